/**
 * A local stand-in for Plivo's Message API (its public documentation): Basic auth, the send, get and
 * list endpoints with Plivo's status codes and bodies, rate limiting, simulated delivery and
 * signed status callbacks. `node:http` only; the CLI's `sandbox` command wraps `startSandbox`.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { CallbackDispatcher } from './callbacks.js';
import { DeliverySimulator } from './delivery.js';
import { LIST_FILTERS, MessageStore, parseFilterTime, type ListQuery, type MessageRecord } from './store.js';
import { pricingReply } from './pricing.js';
import { bodyFromForm, validateSendRequest, type MessageType } from './validate.js';
import { countSegments } from '../core/encoding.js';
import { BodyTooLarge, listenOn, readBody } from '../http-body.js';

export { TEST_NUMBERS } from './test-numbers.js';

export interface SandboxOptions {
  /** 0 = a free port (the default here; the CLI picks 8765). */
  port?: number;
  host?: string;
  /** Generated when absent: 'MA' + 18 of [A-Z0-9]. */
  authId?: string;
  /** Generated when absent: 40 random letters and digits. */
  authToken?: string;
  /** Time between state steps queued → sent → delivered (default 1000). */
  deliveryDelayMs?: number;
  /** Sliding-window limit per account (default 300 requests per 5000 ms, like Plivo); false = none. */
  rateLimit?: { requests: number; windowMs: number } | false;
  /**
   * The message list's own limit (default 20 requests per 60,000 ms, like Plivo: 429 past it,
   * without Retry-After; none when `rateLimit` is false); false = none.
   */
  listRateLimit?: { requests: number; windowMs: number } | false;
  /** Delays before each callback retry (default Plivo's 60, 120 and 240 s). */
  callbackRetryDelaysMs?: number[];
  /** A callback not answered within this is retried (default 8000, like Plivo). */
  callbackTimeoutMs?: number;
  /**
   * The message URL of the sandbox's numbers: where an inbound message injected with
   * `POST …/Sandbox/Inbound/` is sent when the request names no `url`.
   */
  inboundUrl?: string;
  /** One line per request and per callback attempt. */
  log?: (line: string) => void;
}

/** A request as the sandbox received it (the Authorization header is redacted). */
interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Decoded JSON or form body; the raw text when it could not be decoded; undefined when empty. */
  body: unknown;
  status: number;
}

export interface Sandbox {
  /** Origin, e.g. `http://127.0.0.1:8765` (the API lives under `${url}/v1/Account/${authId}/`). */
  url: string;
  authId: string;
  authToken: string;
  close(): Promise<void>;
  /** Every message record, oldest first. */
  messages(): MessageRecord[];
  /** Every request received, oldest first. */
  requests(): RecordedRequest[];
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAX_LIST_LIMIT = 20;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function generateAuthId(): string {
  return `MA${randomString(UPPER_DIGITS, 18)}`;
}

function generateAuthToken(): string {
  return randomString(ALPHANUMERIC, 40);
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Short note for the log line. */
  note?: string;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const authId = options.authId ?? generateAuthId();
  const authToken = options.authToken ?? generateAuthToken();
  const accountPath = `/v1/Account/${authId}`;
  const rateLimit = new SlidingWindow(options.rateLimit ?? { requests: 300, windowMs: 5000 });
  const listRateLimit = new SlidingWindow(options.listRateLimit ?? (options.rateLimit === false ? false : { requests: 20, windowMs: 60_000 }));
  const log = options.log;
  const store = new MessageStore();
  const recorded: RecordedRequest[] = [];
  const callbacks = new CallbackDispatcher({
    authToken,
    retryDelaysMs: options.callbackRetryDelaysMs ?? [60_000, 120_000, 240_000],
    timeoutMs: options.callbackTimeoutMs ?? 8000,
    log,
  });
  const delivery = new DeliverySimulator({ store, callbacks, delayMs: options.deliveryDelayMs ?? 1000, accountPath });

  function isAuthorized(header: string | undefined, pathAuthId: string): boolean {
    const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!m?.[1]) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return safeEqual(decoded.slice(0, colon), authId) && safeEqual(decoded.slice(colon + 1), authToken) && pathAuthId === authId;
  }

  function route(method: string, url: URL, body: unknown, requesterIp: string, authorization: string | undefined): Reply {
    const account = /^\/v1\/Account\/([^/]*)(\/.*)?$/.exec(url.pathname);
    if (!account) return { status: 404, body: { error: 'not found' } };
    if (!isAuthorized(authorization, account[1] ?? '')) {
      return { status: 401, body: { error: 'authentication failed' }, headers: { 'WWW-Authenticate': 'Basic realm="Plivo"' } };
    }
    if (rateLimit.isFull(Date.now())) return { status: 429, body: { error: 'too many requests' } };

    // Plivo's paths end in '/'; the sandbox also takes them without it.
    const rest = account[2] ?? '/';
    if (rest === '/') {
      if (method !== 'GET') return methodNotAllowed('GET');
      return {
        status: 200,
        body: { account_type: 'standard', auth_id: authId, cash_credits: '10.00000', name: 'Plivo sandbox', resource_uri: `${accountPath}/` },
      };
    }
    if (/^\/Message\/?$/.test(rest)) {
      if (method === 'POST') return sendMessage(body, requesterIp);
      if (method !== 'GET') return methodNotAllowed('GET, POST');
      if (listRateLimit.isFull(Date.now())) return { status: 429, body: { error: 'too many requests' }, note: 'message list: 20 requests a minute' };
      return listMessages(url.searchParams);
    }
    if (/^\/Pricing\/?$/.test(rest)) {
      if (method !== 'GET') return methodNotAllowed('GET');
      return pricingReply(url.searchParams.get('country_iso'));
    }
    if (/^\/Sandbox\/Inbound\/?$/.test(rest)) {
      if (method !== 'POST') return methodNotAllowed('POST');
      return injectInbound(body);
    }
    const one = /^\/Message\/([^/]+)\/?$/.exec(rest);
    if (one?.[1]) {
      if (method !== 'GET') return methodNotAllowed('GET');
      const record = store.get(safeDecode(one[1]));
      return record ? { status: 200, body: { ...record } } : { status: 404, body: { error: 'not found' } };
    }
    return { status: 404, body: { error: 'not found' } };
  }

  function sendMessage(body: unknown, requesterIp: string): Reply {
    if (body === undefined) body = {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { status: 400, body: { error: 'invalid request body: expected a JSON object' } };
    }
    const result = validateSendRequest(body as Record<string, unknown>);
    if (!result.ok) return { status: 400, body: { error: result.error }, note: result.error };
    const uuids = result.message.destinations.map((to) => delivery.enqueue(result.message, to, requesterIp));
    const reply: Record<string, unknown> = { message: 'message(s) queued', message_uuid: uuids };
    if (result.message.invalid.length > 0) reply.invalid_number = result.message.invalid;
    return {
      status: 202,
      body: reply,
      note: `${uuids.length} ${result.message.type} queued${reply.invalid_number ? `, ${result.message.invalid.length} invalid` : ''}`,
    };
  }

  /**
   * The sandbox's own endpoint (not Plivo's): someone writes to one of the account's numbers. Body
   * (JSON or form): `from`, `to`, `text`, optional `type` (sms, mms, whatsapp), `media_urls`, and
   * `url` / `method` of the webhook (default: the sandbox's inboundUrl, POST).
   */
  function injectInbound(body: unknown): Reply {
    const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const problems: string[] = [];
    const number = (key: 'from' | 'to'): string => {
      const value = typeof fields[key] === 'string' ? fields[key].replace(/[\s/\-.+()]/g, '') : '';
      if (!/^[0-9]{3,15}$/.test(value)) problems.push(`${key} is required: a phone number with its country code, e.g. 14155550101`);
      return value;
    };
    const from = number('from');
    const to = number('to');
    const type = fields.type ?? 'sms';
    if (type !== 'sms' && type !== 'mms' && type !== 'whatsapp') problems.push("type must be 'sms', 'mms' or 'whatsapp'");
    const text = typeof fields.text === 'string' ? fields.text : '';
    const rawMedia = fields.media_urls;
    const mediaUrls = (Array.isArray(rawMedia) ? rawMedia : typeof rawMedia === 'string' ? [rawMedia] : []).filter((u): u is string => typeof u === 'string');
    if (text === '' && mediaUrls.length === 0) problems.push('text is required (or media_urls for mms and whatsapp)');
    if (type === 'sms' && mediaUrls.length > 0) problems.push('media_urls are only allowed for mms and whatsapp');
    const url = typeof fields.url === 'string' && fields.url !== '' ? fields.url : options.inboundUrl;
    if (url === undefined)
      problems.push('url is required: the message URL to send the inbound message to (or start the sandbox with an inbound URL, --inbound-url)');
    else if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url)) problems.push(`url must be an absolute http(s) URL (got '${url}')`);
    const methodField = typeof fields.method === 'string' ? fields.method.toUpperCase() : 'POST';
    if (methodField !== 'GET' && methodField !== 'POST') problems.push("method must be 'GET' or 'POST'");
    if (problems.length > 0 || url === undefined) return { status: 400, body: { error: problems.join('; ') }, note: problems.join('; ') };
    const messageType = type as MessageType;
    const units = messageType === 'sms' ? countSegments(text).segments : 1;
    const uuid = delivery.receive({ from, to, type: messageType, text, mediaUrls, units, callback: { url, method: methodField as 'GET' | 'POST' } });
    return { status: 202, body: { message: 'inbound message sent', message_uuid: [uuid] }, note: `inbound ${messageType} from ${from} to ${to}` };
  }

  function listMessages(params: URLSearchParams): Reply {
    const limit = parseCount(params.get('limit'), MAX_LIST_LIMIT);
    if (limit === undefined || limit < 1 || limit > MAX_LIST_LIMIT) {
      return { status: 400, body: { error: `limit must be an integer between 1 and ${MAX_LIST_LIMIT}` } };
    }
    const offset = parseCount(params.get('offset'), 0);
    if (offset === undefined) return { status: 400, body: { error: 'offset must be a non-negative integer' } };
    const query: ListQuery = { limit, offset, equals: {}, time: {} };
    for (const field of LIST_FILTERS) {
      const value = params.get(field);
      if (value !== null) query.equals[field] = value;
    }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = params.get(`message_time__${op}`);
      if (value === null) continue;
      const time = parseFilterTime(value);
      if (time === undefined) {
        return { status: 400, body: { error: `'${value}' is not a valid value for message_time__${op}; use YYYY-MM-DD HH:MM[:SS]` } };
      }
      query.time[op] = time;
    }
    const { total, objects } = store.list(query);
    const page = (newOffset: number): string => {
      const search = new URLSearchParams({ limit: String(limit), offset: String(newOffset) });
      for (const [key, value] of params) if (key !== 'limit' && key !== 'offset') search.append(key, value);
      return `${accountPath}/Message/?${search.toString()}`;
    };
    const meta = {
      limit,
      next: offset + limit < total ? page(offset + limit) : null,
      offset,
      previous: offset > 0 ? page(Math.max(0, offset - limit)) : null,
      total_count: total,
    };
    return { status: 200, body: { meta, objects } };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    let body: unknown;
    let reply: Reply;
    try {
      body = decodeBody(await readBody(req, MAX_BODY_BYTES), req.headers['content-type']);
      reply = route(method, url, body, req.socket.remoteAddress ?? '', req.headers.authorization);
    } catch (error) {
      reply =
        error instanceof BodyTooLarge
          ? { status: 413, body: { error: 'request entity too large' } }
          : { status: 500, body: { error: 'internal server error' }, note: error instanceof Error ? error.message : String(error) };
    }
    const apiId = randomUUID();
    const payload = JSON.stringify({ api_id: apiId, ...reply.body });
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      ...reply.headers,
    });
    res.end(payload);
    recorded.push({ method, url: req.url ?? '/', headers: redact(req.headers), body, status: reply.status });
    log?.(`${method} ${url.pathname}${url.search} ${reply.status}${reply.note ? ` ${reply.note}` : ''}`);
  }

  function methodNotAllowed(allow: string): Reply {
    return { status: 405, body: { error: 'method not allowed' }, headers: { Allow: allow } };
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const listening = await listenOn(server, port, host, () => {
    delivery.close();
    callbacks.close();
  }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error;
  });
  return {
    url: listening.url,
    authId,
    authToken,
    messages: () => store.all(),
    requests: () => recorded.map((r) => ({ ...r })),
    close: () => listening.close(),
  };
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`);
  }
}

/** At most `requests` in any `windowMs` (false: no limit); a request turned away is not counted. */
class SlidingWindow {
  private readonly starts: number[] = [];
  constructor(private readonly limit: { requests: number; windowMs: number } | false) {}

  /** Counts a request at `now`, or answers true when the window is full. */
  isFull(now: number): boolean {
    if (this.limit === false) return false;
    while (this.starts.length > 0 && this.starts[0]! <= now - this.limit.windowMs) this.starts.shift();
    if (this.starts.length >= this.limit.requests) return true;
    this.starts.push(now);
    return false;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseCount(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  return /^[0-9]{1,9}$/.test(value) ? Number(value) : undefined;
}

/** JSON (what current SDKs send) or form-encoded (older SDKs); the raw text when neither parses. */
function decodeBody(text: string, contentType: string | undefined): unknown {
  if (text.trim() === '') return undefined;
  if ((contentType ?? '').toLowerCase().includes('application/x-www-form-urlencoded')) return bodyFromForm(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function redact(headers: http.IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  if (copy.authorization !== undefined) copy.authorization = '[redacted]';
  return copy;
}
