/**
 * The strings Plivo signs its callbacks over (Plivo's "Signature validation" documentation), built
 * exactly as the official plivo-node SDK (v4.79, dist/utils/v3Security.js and security.js) builds
 * them, so that what the sandbox signs and what `listen` accepts agree with `plivo.validateV3Signature`.
 * Pure: the HMAC itself is computed by the callers (sandbox/signature.ts, listen/verify.ts).
 */

/** Callback parameters: a value per key, or several when a key repeats. */
export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

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
 * for ASCII (every realistic callback URL and token) it is the identity.
 */
export function utf8Binary(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) out += String.fromCharCode(byte);
  return out;
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

/** One component of a query string, decoded as Node's `querystring.parse` does (`+` is a space; bad `%` escapes stay). */
function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Decode the valid %XX escapes byte by byte, keep the rest as written.
    const bytes: number[] = [];
    for (let i = 0; i < spaced.length; i++) {
      const hex = spaced.slice(i + 1, i + 3);
      if (spaced[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...new TextEncoder().encode(spaced[i]));
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
}

/** `a=1&b=2&a=3` → { a: ['1', '3'], b: ['2'] }, keys in order of first appearance (Node's `querystring.parse`). */
export function parseQuery(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  return params;
}

function valuesOf(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

function sortedQueryString(params: Map<string, string[]>): string {
  const pairs: string[] = [];
  for (const key of [...params.keys()].sort()) {
    for (const value of [...(params.get(key) ?? [])].sort()) pairs.push(`${key}=${value}`);
  }
  return pairs.join('&');
}

function constructGetUrl(uri: string, params: SignedParams, emptyPostParams = true): string {
  const parts = parseUri(uri);
  let url = baseUrl(parts);
  const merged = parseQuery(parts.query);
  for (const [key, value] of Object.entries(params)) merged.set(key, [...(merged.get(key) ?? []), ...valuesOf(value)]);
  const query = sortedQueryString(merged);
  if (query.length > 0 || !emptyPostParams) url += `?${query}`;
  if (query.length > 0 && !emptyPostParams) url += '.';
  return url;
}

function constructPostUrl(uri: string, params: SignedParams): string {
  const keys = Object.keys(params);
  const base = constructGetUrl(uri, {}, keys.length === 0);
  const pairs = keys.sort().flatMap((key) =>
    valuesOf(params[key] ?? '')
      .sort()
      .map((value) => `${key}${value}`),
  );
  return base + pairs.join('');
}

/**
 * What `X-Plivo-Signature-V3` is the HMAC-SHA256 of, keyed with `utf8Binary(authToken)`: for GET the
 * URL with its query (and `params`, if given apart) merged and sorted; for POST the URL with its
 * own sorted query, then every form parameter as key + value, keys sorted; then `.` and the nonce.
 */
export function signatureBaseV3(method: 'GET' | 'POST', url: string, params: SignedParams, nonce: string): string {
  const uri = utf8Binary(url);
  const base = method === 'GET' ? constructGetUrl(uri, params) : constructPostUrl(uri, params);
  return `${base}.${utf8Binary(nonce)}`;
}

/** What `X-Plivo-Signature-V2` is the HMAC-SHA256 of: the URL without its query, then the nonce. */
export function signatureBaseV2(url: string, nonce: string): string {
  return baseUrl(parseUri(utf8Binary(url))) + utf8Binary(nonce);
}
