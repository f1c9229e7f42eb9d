/**
 * Checking `X-Plivo-Signature-V3` (Plivo's "Signature validation" documentation): HMAC-SHA256 of the
 * base string of core/signature.ts keyed with the auth token, compared in constant time with each of
 * the header's comma-separated signatures (Plivo sends several while a token is being rotated).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { signatureBaseV3, utf8Binary, type SignedParams } from '../core/signature.js';

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** URLs the request may have been signed for (as Plivo was told to call it), most likely first. */
  urls: readonly string[];
  /** POST: the form parameters (GET: none, they are in the URL's query). */
  params: SignedParams;
  nonce: string;
  /** The header as received: one signature or several separated by commas. */
  signatures: string;
}

/** True when one of the signatures is the HMAC of the request for one of its URLs. */
export function verifyV3(request: SignedRequest, authToken: string): boolean {
  const given = request.signatures
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Buffer.from(s, 'utf8'));
  let matched = false;
  for (const url of request.urls) {
    const expected = createHmac('sha256', utf8Binary(authToken))
      .update(signatureBaseV3(request.method, url, request.params, request.nonce))
      .digest();
    const expectedText = Buffer.from(expected.toString('base64'), 'utf8');
    // Every candidate is compared (no early exit), each in constant time for equal lengths.
    for (const signature of given) {
      if (signature.length === expectedText.length && timingSafeEqual(signature, expectedText)) matched = true;
    }
  }
  return matched;
}
