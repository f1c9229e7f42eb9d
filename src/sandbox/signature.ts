/**
 * Signing the sandbox's callbacks (Plivo's "Signature validation" documentation): the base strings
 * come from core/signature.ts, shared with `listen`'s verifier, so that a receiver validating with
 * `plivo.validateV3Signature` / `plivo.validateSignature` accepts what the sandbox sends.
 */
import { createHmac, randomInt } from 'node:crypto';
import { signatureBaseV2, signatureBaseV3, utf8Binary } from '../core/signature.js';

/** Callback parameters: one value per key (the sandbox never repeats a key). */
export type CallbackParams = Record<string, string>;

function hmacBase64(key: string, message: string): string {
  return createHmac('sha256', utf8Binary(key)).update(message).digest('base64');
}

/** `X-Plivo-Signature-V3` for a callback to `url` carrying `params` (query for GET, form for POST). */
export function signV3(method: 'GET' | 'POST', url: string, params: CallbackParams, authToken: string, nonce: string): string {
  return hmacBase64(authToken, signatureBaseV3(method, url, params, nonce));
}

/** `X-Plivo-Signature-V2`: HMAC-SHA256 over the URL without its query, followed by the nonce. */
export function signV2(url: string, authToken: string, nonce: string): string {
  return hmacBase64(authToken, signatureBaseV2(url, nonce));
}

/** Plivo's nonces are long decimal strings. */
export function makeNonce(): string {
  let nonce = String(randomInt(1, 10));
  for (let i = 0; i < 19; i++) nonce += String(randomInt(0, 10));
  return nonce;
}

/**
 * All six signature headers. The sandbox has no subaccounts, so the main-account (`-Ma-`)
 * signatures use the same token as the account ones.
 */
export function signatureHeaders(method: 'GET' | 'POST', url: string, params: CallbackParams, authToken: string): Record<string, string> {
  const v3Nonce = makeNonce();
  const v2Nonce = makeNonce();
  const v3 = signV3(method, url, params, authToken, v3Nonce);
  const v2 = signV2(url, authToken, v2Nonce);
  return {
    'X-Plivo-Signature-V3': v3,
    'X-Plivo-Signature-Ma-V3': v3,
    'X-Plivo-Signature-V3-Nonce': v3Nonce,
    'X-Plivo-Signature-V2': v2,
    'X-Plivo-Signature-Ma-V2': v2,
    'X-Plivo-Signature-V2-Nonce': v2Nonce,
  };
}
