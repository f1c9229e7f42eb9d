/**
 * `listen`'s signature check and event rules as pure functions, cross-checked with the official
 * SDK's validator (`plivo.validateV3Signature`): both must accept and refuse the same requests.
 */
import plivo from 'plivo';
import { describe, expect, it } from 'vitest';
import { verifyV3 } from '../../src/listen/verify.js';
import { eventKey, SeenEvents, toEvent } from '../../src/listen/events.js';
import { makeNonce, signV3 } from '../../src/sandbox/signature.js';

const TOKEN = 'ZDc1NmI2YzFkNjI3NjVlZGM5MTc1Njc1ZTNjYzdk';
const PARAMS = { MessageUUID: 'c8e39d4c-1a2b-4c3d-8e4f-5a6b7c8d9e0f', Status: 'delivered', To: '14155550101', Note: 'héllo ✓ & = + %', Empty: '' };
const URLS = ['http://127.0.0.1:8766/status', 'https://abc123.ngrok.app/plivo/status?tenant=acme&b=2&a=1', 'https://example.com/', 'http://localhost/cb?flag'];

/** The request as `listen` sees it: GET carries the parameters in the URL's query. */
function received(method: 'GET' | 'POST', url: string, params: Record<string, string>): { url: string; params: Record<string, string> } {
  if (method === 'POST') return { url, params };
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) target.searchParams.append(k, v);
  return { url: target.toString(), params: {} };
}

describe('verifyV3 agrees with plivo.validateV3Signature', () => {
  const cases = URLS.flatMap((url) => (['POST', 'GET'] as const).map((method) => [method, url] as const));
  it.each(cases)('%s %s: signed right, wrong token, altered parameter, other nonce, other URL', (method, url) => {
    const nonce = makeNonce();
    const signature = signV3(method, url, PARAMS, TOKEN, nonce);
    const variants: Array<{ token: string; params: Record<string, string>; nonce: string; url: string; valid: boolean }> = [
      { token: TOKEN, params: PARAMS, nonce, url, valid: true },
      { token: 'wrong-token', params: PARAMS, nonce, url, valid: false },
      { token: TOKEN, params: { ...PARAMS, Status: 'failed' }, nonce, url, valid: false },
      { token: TOKEN, params: PARAMS, nonce: `${nonce}1`, url, valid: false },
      { token: TOKEN, params: PARAMS, nonce, url: url.replace('/status', '/other'), valid: url.includes('/status') ? false : true },
    ];
    for (const v of variants) {
      const req = received(method, v.url, v.params);
      const sdk = plivo.validateV3Signature(method, req.url, v.nonce, v.token, signature, req.params);
      const ours = verifyV3({ method, urls: [req.url], params: req.params, nonce: v.nonce, signatures: signature }, v.token);
      expect(ours).toBe(sdk);
      expect(ours).toBe(v.valid);
    }
  });

  it('accepts any one of several comma-separated signatures, as the SDK does', () => {
    const url = URLS[0]!;
    const nonce = makeNonce();
    const right = signV3('POST', url, PARAMS, TOKEN, nonce);
    const other = signV3('POST', url, PARAMS, 'old-token', nonce);
    for (const header of [`${other},${right}`, `${right},${other}`]) {
      expect(plivo.validateV3Signature('POST', url, nonce, TOKEN, header, PARAMS)).toBe(true);
      expect(verifyV3({ method: 'POST', urls: [url], params: PARAMS, nonce, signatures: header }, TOKEN)).toBe(true);
    }
    expect(verifyV3({ method: 'POST', urls: [url], params: PARAMS, nonce, signatures: `${other},${other}` }, TOKEN)).toBe(false);
  });

  it('refuses empty, truncated and non-base64 signatures', () => {
    const url = URLS[0]!;
    const nonce = makeNonce();
    const right = signV3('POST', url, PARAMS, TOKEN, nonce);
    for (const bad of ['', ',', right.slice(0, -2), `${right}x`, 'not base64 at all', right.toLowerCase()]) {
      expect(verifyV3({ method: 'POST', urls: [url], params: PARAMS, nonce, signatures: bad }, TOKEN), bad).toBe(false);
    }
  });

  it('accepts when any of the candidate URLs is the one signed (a tunnel in front)', () => {
    const nonce = makeNonce();
    const signature = signV3('POST', 'https://abc123.ngrok.app/status', PARAMS, TOKEN, nonce);
    const request = { method: 'POST' as const, params: PARAMS, nonce, signatures: signature };
    expect(verifyV3({ ...request, urls: ['http://127.0.0.1:8766/status'] }, TOKEN)).toBe(false);
    expect(verifyV3({ ...request, urls: ['http://127.0.0.1:8766/status', 'https://abc123.ngrok.app/status'] }, TOKEN)).toBe(true);
  });
});

describe('events', () => {
  const at = new Date('2024-08-21T18:28:49.244Z');
  const map = (o: Record<string, string | string[]>) => new Map(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));

  it.each([
    [{ Status: 'delivered', MessageUUID: 'u1' }, 'status'],
    [{ Status: 'queued', Text: 'odd but a status' }, 'status'],
    [{ Text: 'Hi', From: '14155550101', MessageUUID: 'u2' }, 'inbound'],
    [{ Text: '', Media0: 'https://x/y.jpg', MessageUUID: 'u3' }, 'inbound'],
  ] as const)('%j is a %s event', (params, kind) => {
    expect(toEvent(map(params), at).event).toBe(kind);
  });

  it('keeps every parameter as the string Plivo sent, after event and received_at', () => {
    const event = toEvent(map({ Status: 'delivered', Units: '1', TotalAmount: '0.00500', ErrorCode: '' }), at);
    expect(JSON.stringify(event)).toBe(
      '{"event":"status","received_at":"2024-08-21T18:28:49.244Z","Status":"delivered","Units":"1","TotalAmount":"0.00500","ErrorCode":""}',
    );
  });

  it('a parameter named like ours cannot overwrite event or received_at; a repeated key keeps its first value', () => {
    const event = toEvent(map({ event: 'inbound', received_at: 'x', Status: 'sent', To: ['1', '2'] }), at);
    expect(event).toEqual({ event: 'status', received_at: '2024-08-21T18:28:49.244Z', Status: 'sent', To: '1' });
  });

  it.each([
    [{ event: 'status', MessageUUID: 'u', Status: 'delivered', Sequence: '3' }, 'status u delivered 3'],
    [{ event: 'status', MessageUUID: 'u', Status: 'sent', Sequence: '2' }, 'status u sent 2'],
    [{ event: 'inbound', MessageUUID: 'u', Text: 'hi' }, 'inbound u'],
    [{ event: 'status', Status: 'delivered' }, undefined],
  ])('the repeat key of %j is %s', (event, key) => {
    expect(eventKey(event)).toBe(key);
  });

  it('remembers a bounded number of keys, forgetting the oldest', () => {
    const seen = new SeenEvents(2);
    expect([seen.add('a'), seen.add('a'), seen.add('b'), seen.add('c'), seen.add('a'), seen.add('c')]).toEqual([true, false, true, true, true, false]);
  });
});
