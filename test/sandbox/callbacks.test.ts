/**
 * Status callbacks received by a local endpoint: fields, state sequence, signatures (validated
 * with the official SDK) and retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import plivo from 'plivo';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { api, send, startReceiver, type CallbackReceiver, type ReceivedCallback } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const SRC = '14155550199';
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function setup(options: SandboxOptions = {}, status?: (n: number) => number): Promise<{ sandbox: Sandbox; receiver: CallbackReceiver; lines: string[] }> {
  const lines: string[] = [];
  const sandbox = await startSandbox({ deliveryDelayMs: 5, rateLimit: false, callbackRetryDelaysMs: [10, 10, 10], log: (l) => lines.push(l), ...options });
  const receiver = await startReceiver(status);
  cleanup.push(
    () => receiver.close(),
    () => sandbox.close(),
  );
  return { sandbox, receiver, lines };
}

async function sendTo(sandbox: Sandbox, message: Record<string, unknown>): Promise<string> {
  const res = await send(sandbox, { src: SRC, text: 'hello', ...message });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body.message_uuid as string[])[0] ?? '';
}

function received(receiver: CallbackReceiver, count: number): Promise<ReceivedCallback[]> {
  return waitFor(() => (receiver.received.length >= count ? [...receiver.received] : undefined), `${count} callbacks`);
}

const bySequence = (callbacks: ReceivedCallback[]) => [...callbacks].sort((a, b) => Number(a.params.Sequence) - Number(b.params.Sequence));

function header(cb: ReceivedCallback, name: string): string {
  const value = cb.headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Validates every signature header the way a receiver would, with the SDK's own functions. */
function expectValidSignatures(cb: ReceivedCallback, receiver: CallbackReceiver, authToken: string): void {
  const url = `${receiver.url}${cb.url}`;
  const method = cb.method as 'GET' | 'POST';
  const params = method === 'POST' ? cb.params : {};
  const v3Nonce = header(cb, 'X-Plivo-Signature-V3-Nonce');
  expect(plivo.validateV3Signature(method, url, v3Nonce, authToken, header(cb, 'X-Plivo-Signature-V3'), params)).toBe(true);
  expect(plivo.validateV3Signature(method, url, v3Nonce, authToken, header(cb, 'X-Plivo-Signature-Ma-V3'), params)).toBe(true);
  expect(plivo.validateV3Signature(method, url, v3Nonce, 'wrong-token', header(cb, 'X-Plivo-Signature-V3'), params)).toBe(false);
  const v2Nonce = header(cb, 'X-Plivo-Signature-V2-Nonce');
  expect(plivo.validateSignature(url, v2Nonce, header(cb, 'X-Plivo-Signature-V2'), authToken)).toBe(true);
  expect(plivo.validateSignature(url, v2Nonce, header(cb, 'X-Plivo-Signature-Ma-V2'), authToken)).toBe(true);
}

describe('status callbacks', () => {
  it('POSTs form-encoded, signed callbacks for queued → sent → delivered', async () => {
    const { sandbox, receiver } = await setup();
    const uuid = await sendTo(sandbox, { dst: '14155550101', url: `${receiver.url}/status?tenant=acme` });
    const callbacks = bySequence(await received(receiver, 3));

    expect(callbacks.map((c) => c.params.Status)).toEqual(['queued', 'sent', 'delivered']);
    expect(callbacks.map((c) => c.params.Sequence)).toEqual(['1', '2', '3']);
    for (const cb of callbacks) {
      expect(cb.method).toBe('POST');
      expect(cb.url).toBe('/status?tenant=acme');
      expect(cb.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(cb.params).toMatchObject({
        MessageUUID: uuid,
        ParentMessageUUID: uuid,
        To: '14155550101',
        From: SRC,
        Type: 'sms',
        Units: '1',
        TotalRate: '0.00500',
        TotalAmount: '0.00500',
        PowerpackUUID: '',
        MessageTime: expect.stringMatching(TIME),
        QueuedTime: expect.stringMatching(TIME),
      });
      expect(cb.params).not.toHaveProperty('ErrorCode');
      expectValidSignatures(cb, receiver, sandbox.authToken);
    }
    const [queued, sent, delivered] = callbacks;
    expect(queued?.params.SentTime).toBe('');
    expect(sent?.params.SentTime).toMatch(TIME);
    expect(sent?.params.DeliveryReportTime).toBe('');
    expect(delivered?.params.DeliveryReportTime).toMatch(TIME);
  });

  it('GETs with the fields in the query string when method is GET', async () => {
    const { sandbox, receiver } = await setup();
    const uuid = await sendTo(sandbox, { dst: '14155550102', url: `${receiver.url}/cb?x=1`, method: 'GET' });
    const callbacks = bySequence(await received(receiver, 3));
    expect(callbacks.map((c) => c.params.Status)).toEqual(['queued', 'sent', 'delivered']);
    for (const cb of callbacks) {
      expect(cb.method).toBe('GET');
      expect(cb.body).toBe('');
      expect(cb.params).toMatchObject({ x: '1', MessageUUID: uuid, To: '14155550102' });
      expectValidSignatures(cb, receiver, sandbox.authToken);
    }
  });

  it('reports failures with ErrorCode and no charge (test number …0050)', async () => {
    const { sandbox, receiver } = await setup();
    await sendTo(sandbox, { dst: '14155550050', url: `${receiver.url}/cb` });
    const callbacks = bySequence(await received(receiver, 2));
    expect(callbacks.map((c) => c.params.Status)).toEqual(['queued', 'failed']);
    expect(callbacks[1]?.params).toMatchObject({ ErrorCode: '50', TotalAmount: '0.00000' });
  });

  it('reports undelivered after sent (test number …0070)', async () => {
    const { sandbox, receiver } = await setup();
    await sendTo(sandbox, { dst: '14155550070', url: `${receiver.url}/cb` });
    const callbacks = bySequence(await received(receiver, 3));
    expect(callbacks.map((c) => c.params.Status)).toEqual(['queued', 'sent', 'undelivered']);
    expect(callbacks[2]?.params.ErrorCode).toBe('70');
  });

  it('adds read and the conversation fields for WhatsApp', async () => {
    const { sandbox, receiver } = await setup();
    await sendTo(sandbox, { dst: '14155550103', type: 'whatsapp', url: `${receiver.url}/wa` });
    const callbacks = bySequence(await received(receiver, 4));
    expect(callbacks.map((c) => c.params.Status)).toEqual(['queued', 'sent', 'delivered', 'read']);
    expect(callbacks[3]?.params).toMatchObject({
      Type: 'whatsapp',
      ConversationID: expect.stringMatching(/^[0-9a-f]{32}$/),
      ConversationOrigin: 'service',
      ConversationExpirationTimestamp: expect.stringMatching(/^\d{10}$/),
    });
  });

  it('retries a callback answered with 500, signed afresh', async () => {
    // Long delivery delay: only the queued callback happens during the test.
    const { sandbox, receiver, lines } = await setup({ deliveryDelayMs: 60_000 }, (n) => (n === 0 ? 500 : 200));
    await sendTo(sandbox, { dst: '14155550104', url: `${receiver.url}/cb` });
    const [first, second] = await received(receiver, 2);
    if (!first || !second) throw new Error('expected two callbacks');
    expect([first.params.Status, second.params.Status]).toEqual(['queued', 'queued']);
    expect(second.params.Sequence).toBe('1');
    expect(header(second, 'X-Plivo-Signature-V3-Nonce')).not.toBe(header(first, 'X-Plivo-Signature-V3-Nonce'));
    expectValidSignatures(second, receiver, sandbox.authToken);
    expect(lines.some((l) => l.includes('-> 500'))).toBe(true);
  });

  it('gives up after the configured retries', async () => {
    const { sandbox, receiver, lines } = await setup({ deliveryDelayMs: 60_000, callbackRetryDelaysMs: [5, 5] }, () => 503);
    await sendTo(sandbox, { dst: '14155550105', url: `${receiver.url}/cb` });
    await waitFor(() => lines.find((l) => l.includes('gave up')), 'give-up log line');
    expect(receiver.received).toHaveLength(3);
  });

  it('retries a callback that is not answered in time', async () => {
    let calls = 0;
    const hanging = http.createServer((req, res) => {
      calls += 1;
      if (calls > 1) res.end('ok'); // the first request is left hanging
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          hanging.close(() => resolve());
          hanging.closeAllConnections();
        }),
    );
    const { port } = hanging.address() as AddressInfo;
    const { sandbox, lines } = await setup({ deliveryDelayMs: 60_000, callbackTimeoutMs: 50 });
    await sendTo(sandbox, { dst: '14155550106', url: `http://127.0.0.1:${port}/cb` });
    await waitFor(() => lines.find((l) => l.includes('-> 200 (attempt 2)')), 'the retry to succeed');
    expect(lines.some((l) => l.includes('no answer within 50 ms'))).toBe(true);
    expect(calls).toBe(2);
  });

  it('sends no callback without url', async () => {
    const { sandbox, receiver } = await setup({ deliveryDelayMs: 0 });
    const uuid = await sendTo(sandbox, { dst: '14155550107' });
    await waitFor(() => sandbox.messages().find((m) => m.message_uuid === uuid)?.message_state === 'delivered', 'delivery');
    expect(receiver.received).toHaveLength(0);
  });
});

describe('inbound messages (the sandbox endpoint Sandbox/Inbound/)', () => {
  it.each(['POST', 'GET'] as const)('sends a signed %s webhook with From, To, Text, Type, MessageUUID, Units and amounts', async (method) => {
    const { sandbox, receiver } = await setup();
    const res = await api(sandbox, 'POST', 'Sandbox/Inbound/', {
      json: { from: '14155550101', to: SRC, text: 'Hi back', url: `${receiver.url}/inbound?x=1`, method },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const uuid = (res.body.message_uuid as string[])[0];
    const [cb] = await received(receiver, 1);
    expect(cb?.method).toBe(method);
    expect(cb?.params).toEqual({
      ...(method === 'GET' ? { x: '1' } : {}),
      From: '14155550101',
      To: SRC,
      Type: 'sms',
      Text: 'Hi back',
      MessageUUID: uuid,
      Units: '1',
      TotalRate: '0.00000',
      TotalAmount: '0.00000',
    });
    expectValidSignatures(cb!, receiver, sandbox.authToken);
    expect(sandbox.messages().find((m) => m.message_uuid === uuid)).toMatchObject({
      message_direction: 'inbound',
      message_state: 'received',
      from_number: '14155550101',
    });
  });

  it('counts units like a send, carries media, and goes to inboundUrl when the request names no url', async () => {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const { sandbox } = await setup({ inboundUrl: `${receiver.url}/default` });
    const long = 'x'.repeat(161);
    expect((await api(sandbox, 'POST', 'Sandbox/Inbound/', { json: { from: '14155550101', to: SRC, text: long } })).status).toBe(202);
    const mms = { from: '14155550101', to: SRC, type: 'mms', media_urls: ['https://e.com/a.jpg', 'https://e.com/b.jpg'] };
    expect((await api(sandbox, 'POST', 'Sandbox/Inbound/', { json: mms })).status).toBe(202);
    const callbacks = await received(receiver, 2);
    expect(callbacks.every((c) => c.url === '/default')).toBe(true);
    expect(callbacks.find((c) => c.params.Type === 'sms')?.params.Units).toBe('2');
    expect(callbacks.find((c) => c.params.Type === 'mms')?.params).toMatchObject({
      Text: '',
      MediaCount: '2',
      Media0: 'https://e.com/a.jpg',
      Media1: 'https://e.com/b.jpg',
    });
  });

  it('refuses a bad injection with every problem at once, needs the credentials, and takes POST only', async () => {
    const { sandbox } = await setup();
    const bad = await api(sandbox, 'POST', 'Sandbox/Inbound/', { json: { from: '1', to: SRC, type: 'fax', text: 'x', url: 'ftp://x', method: 'PUT' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe(
      "from is required: a phone number with its country code, e.g. 14155550101; type must be 'sms', 'mms' or 'whatsapp'; url must be an absolute http(s) URL (got 'ftp://x'); method must be 'GET' or 'POST'",
    );
    expect((await api(sandbox, 'POST', 'Sandbox/Inbound/', { json: {}, auth: 'x:y' })).status).toBe(401);
    expect((await api(sandbox, 'GET', 'Sandbox/Inbound/')).status).toBe(405);
  });
});
