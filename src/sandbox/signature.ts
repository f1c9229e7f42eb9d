/**
 * Callback signatures (Plivo's "Signature validation" documentation), computed exactly as the official plivo-node SDK
 * (v4.79, dist/utils/v3Security.js and security.js) checks them, so that a receiver validating
 * with `plivo.validateV3Signature` / `plivo.validateSignature` accepts what the sandbox sends.
 */
import { createHmac, randomInt } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';

/** Callback parameters: one value per key (the sandbox never repeats a key). */
export type CallbackParams = Record<string, string>;

interface UriParts {
  protocol: string;
  host: string;
  port: string;
  path: string;
  query: string;
}

// The "loose" regex of parseUri 1.2.2 (the `uri-parser` package the SDK uses): host, port and path
// must be split the same way, or a URL with an unusual shape would sign differently.
const LOOSE_URI =
  /^(?:(?![^:@]+:[^:@/]*@)([^:/?#.]+):)?(?:\/\/)?((?:(([^:@]*)(?::([^:@]*))?)?@)?([^:/?#]*)(?::(\d*))?)(((\/(?:[^?#](?![^?#/]*\.[^?#/.]+(?:[?#]|$)))*\/?)?([^?#/]*))(?:\?([^#]*))?(?:#(.*))?)/;

function parseUri(uri: string): UriParts {
  const m = LOOSE_URI.exec(uri);
  return {
    protocol: m?.[1] ?? '',
    host: m?.[6] ?? '',
    port: m?.[7] ?? '',
    path: m?.[9] ?? '',
    query: m?.[12] ?? '',
  };
}

/**
 * The SDK runs the uri, nonce and token through `utf8.encode` (UTF-8 bytes as a "binary" string)
 * and then hands that string to `crypto`, which encodes it as UTF-8 again. Mirrored on purpose:
 * for ASCII (every realistic callback URL) it is the identity.
 */
function utf8Binary(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** `scheme://host[:port]/path`, as `build-url` joins them (trailing `/` of the origin dropped). */
function baseUrl(parts: UriParts): string {
  const protocol = parts.protocol === '' ? 'http://' : `${parts.protocol}://`;
  const origin = parts.port === '' ? parts.host : `${parts.host}:${parts.port}`;
  let built = protocol + origin;
  if (built.endsWith('/')) built = built.slice(0, -1);
  const path = parts.path.trim();
  if (path !== '') built += path.startsWith('/') ? path : `/${path}`;
  return built;
}

function mergeParams(query: string, params: CallbackParams): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const [key, value] of Object.entries(parseQueryString(query))) {
    if (value === undefined) continue;
    merged.set(key, Array.isArray(value) ? [...value] : [value]);
  }
  for (const [key, value] of Object.entries(params)) {
    merged.set(key, [...(merged.get(key) ?? []), value]);
  }
  return merged;
}

function sortedQueryString(params: Map<string, string[]>): string {
  const pairs: string[] = [];
  for (const key of [...params.keys()].sort()) {
    for (const value of [...(params.get(key) ?? [])].sort()) pairs.push(`${key}=${value}`);
  }
  return pairs.join('&');
}

function constructGetUrl(uri: string, params: CallbackParams, emptyPostParams = true): string {
  const parts = parseUri(uri);
  let url = baseUrl(parts);
  const query = sortedQueryString(mergeParams(parts.query, params));
  if (query.length > 0 || !emptyPostParams) url += `?${query}`;
  if (query.length > 0 && !emptyPostParams) url += '.';
  return url;
}

function constructPostUrl(uri: string, params: CallbackParams): string {
  const keys = Object.keys(params);
  const base = constructGetUrl(uri, {}, keys.length === 0);
  return (
    base +
    keys
      .sort()
      .map((key) => `${key}${params[key] ?? ''}`)
      .join('')
  );
}

function hmacBase64(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64');
}

/** `X-Plivo-Signature-V3` for a callback to `url` carrying `params` (query for GET, form for POST). */
export function signV3(method: 'GET' | 'POST', url: string, params: CallbackParams, authToken: string, nonce: string): string {
  const uri = utf8Binary(url);
  const base = method === 'GET' ? constructGetUrl(uri, params) : constructPostUrl(uri, params);
  return hmacBase64(utf8Binary(authToken), `${base}.${utf8Binary(nonce)}`);
}

/** `X-Plivo-Signature-V2`: HMAC-SHA256 over the URL without its query, followed by the nonce. */
export function signV2(url: string, authToken: string, nonce: string): string {
  const base = baseUrl(parseUri(utf8Binary(url)));
  return hmacBase64(utf8Binary(authToken), base + utf8Binary(nonce));
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
