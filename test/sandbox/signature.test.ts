/**
 * The sandbox's callback signatures checked by the official SDK's own validators, over URL shapes
 * that exercise each branch of the SDK's base-string construction.
 */
import { createHmac } from 'node:crypto';
import plivo from 'plivo';
import { describe, expect, it } from 'vitest';
import { callbackRequestUrl } from '../../src/sandbox/callbacks.js';
import { makeNonce, signatureHeaders, signV2, signV3 } from '../../src/sandbox/signature.js';

const TOKEN = 'ZDc1NmI2YzFkNjI3NjVlZGM5MTc1Njc1ZTNjYzdk';
const PARAMS = {
  MessageUUID: 'c8e39d4c-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
  Status: 'delivered',
  To: '14155550101',
  MessageTime: '2024-08-21 18:28:49.244000',
  Empty: '',
  Note: 'héllo ✓ & = + %',
};

const URLS = [
  'http://127.0.0.1:8080/status',
  'http://127.0.0.1:8080/status/',
  'https://example.com/plivo/status?tenant=acme&b=2&a=1',
  'https://example.com',
  'https://example.com:8443/hooks/plivo.php?x=a%20b&x=c',
  'http://localhost/cb?flag',
];

describe('callback signatures against the official SDK validators', () => {
  it.each(URLS)('POST V3 and V2 for %s', (url) => {
    const nonce = makeNonce();
    const v3 = signV3('POST', url, PARAMS, TOKEN, nonce);
    expect(plivo.validateV3Signature('POST', url, nonce, TOKEN, v3, PARAMS)).toBe(true);
    expect(plivo.validateV3Signature('POST', url, nonce, 'other-token', v3, PARAMS)).toBe(false);
    expect(plivo.validateV3Signature('POST', url, nonce, TOKEN, v3, { ...PARAMS, Status: 'failed' })).toBe(false);
    const v2 = signV2(url, TOKEN, nonce);
    expect(plivo.validateSignature(url, nonce, v2, TOKEN)).toBe(true);
    expect(plivo.validateSignature(url, `${nonce}1`, v2, TOKEN)).toBe(false);
  });

  it.each(URLS)('GET V3 for %s, validated from the URL as received', (configured) => {
    const nonce = makeNonce();
    // The dispatcher signs the URL as requested: what a receiver rebuilds from its request.
    const url = callbackRequestUrl(configured, 'POST', {}).toString();
    const v3 = signV3('GET', url, PARAMS, TOKEN, nonce);
    const received = callbackRequestUrl(url, 'GET', PARAMS).toString();
    expect(plivo.validateV3Signature('GET', received, nonce, TOKEN, v3)).toBe(true);
    // …or from the URL without the callback's parameters plus those parameters.
    expect(plivo.validateV3Signature('GET', url, nonce, TOKEN, v3, PARAMS)).toBe(true);
    expect(plivo.validateSignature(received, nonce, signV2(url, TOKEN, nonce), TOKEN)).toBe(true);
  });

  it('builds the documented base string (POST: url?, then key+value pairs sorted; then .nonce)', () => {
    const nonce = '12345678901234567890';
    const expected = createHmac('sha256', TOKEN).update(`https://example.com/cb?A1B2Cx y.${nonce}`).digest('base64');
    expect(signV3('POST', 'https://example.com/cb', { C: 'x y', B: '2', A: '1' }, TOKEN, nonce)).toBe(expected);
    const withQuery = createHmac('sha256', TOKEN).update(`https://example.com/cb?q=1&z=2.A1.${nonce}`).digest('base64');
    expect(signV3('POST', 'https://example.com/cb?z=2&q=1', { A: '1' }, TOKEN, nonce)).toBe(withQuery);
    const get = createHmac('sha256', TOKEN).update(`https://example.com/cb?A=1&q=1.${nonce}`).digest('base64');
    expect(signV3('GET', 'https://example.com/cb?q=1', { A: '1' }, TOKEN, nonce)).toBe(get);
    const v2 = createHmac('sha256', TOKEN).update(`https://example.com/cb${nonce}`).digest('base64');
    expect(signV2('https://example.com/cb?q=1', TOKEN, nonce)).toBe(v2);
  });

  it('sends all six headers with separate numeric nonces', () => {
    const headers = signatureHeaders('POST', 'http://127.0.0.1:1/cb', PARAMS, TOKEN);
    expect(Object.keys(headers).sort()).toEqual([
      'X-Plivo-Signature-Ma-V2',
      'X-Plivo-Signature-Ma-V3',
      'X-Plivo-Signature-V2',
      'X-Plivo-Signature-V2-Nonce',
      'X-Plivo-Signature-V3',
      'X-Plivo-Signature-V3-Nonce',
    ]);
    expect(headers['X-Plivo-Signature-V3-Nonce']).toMatch(/^[1-9][0-9]{19}$/);
    expect(headers['X-Plivo-Signature-V3-Nonce']).not.toBe(headers['X-Plivo-Signature-V2-Nonce']);
  });
});
