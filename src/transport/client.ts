/**
 * The only module that talks to Plivo. One attempt is classified by what it proves about the
 * message (Plivo's Message API has no idempotency key):
 * - accepted / rejected / auth: Plivo answered, the outcome is certain;
 * - rate-limited / not-sent: the message was certainly not queued, so retrying is safe;
 * - unknown: it may have been queued (timeout after sending, reset, 5xx): never retried blindly.
 *
 * Requests go out through node:http(s) directly (see `exchange`). got did this until a batch was
 * profiled: its per-request machinery (options merged into a stream wrapper, hooks, event
 * proxying, a cancelable promise) cost about four times the CPU of the request itself, as much as
 * the official SDK's whole request, which left no room for the journal and validation a batch
 * does on top (BENCHMARKS.md, "live batch"). What got gave this module is kept here: the phase
 * timeouts that prove a request never left, keep-alive agents, proxies through hpagent.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { ApiError, AuthError, NetworkError, RateLimitError } from '../errors.js';
import type { Credentials } from '../config/settings.js';
import type { MessageBody } from '../core/message.js';
import { describeApiError, TLS_HINT } from './explain.js';
import { PlivoClock, probeTime } from './clock.js';
import { abortableSleep, ListPacer, parseListRate } from './pacer.js';
import { capitalize } from '../core/format.js';

export interface PlivoResponse {
  api_id?: string;
  message?: string;
  message_uuid?: string[];
  invalid_number?: string[];
  error?: string;
  [key: string]: unknown;
}

export interface MessageRecord {
  message_uuid: string;
  message_state: string;
  to_number: string;
  from_number: string;
  message_time: string;
  error_code?: string;
  error_message?: string;
  [key: string]: unknown;
}

export interface MessageList {
  api_id?: string;
  meta: { limit: number; offset: number; next: string | null; previous: string | null; total_count: number };
  objects: MessageRecord[];
}

/** The account resource (Plivo's Account API); amounts are decimal strings. */
export interface AccountRecord {
  account_type?: string;
  auth_id?: string;
  cash_credits?: string;
  name?: string;
  [key: string]: unknown;
}

/** One country's prices (Plivo's Pricing API); rates are decimal strings per SMS unit, in the account's currency. */
export interface PricingRecord {
  country?: string;
  country_code?: number | string;
  country_iso?: string;
  message?: {
    inbound?: { rate?: string };
    outbound?: { rate?: string };
    outbound_networks_list?: Array<{ group_name?: string; rate?: string }>;
  };
  mms?: unknown;
  [key: string]: unknown;
}

export type Attempt =
  | { kind: 'accepted'; status: number; response: PlivoResponse }
  | { kind: 'rejected'; status: number; response: PlivoResponse | string; message: string }
  | { kind: 'auth'; status: number; message: string }
  | { kind: 'rate-limited'; status: 429; retryAfterMs: number | undefined; message: string }
  /** `final`: retrying cannot help (a certificate problem): reported at once. */
  | { kind: 'not-sent'; code: string; message: string; final?: boolean }
  | { kind: 'unknown'; code: string; status?: number; message: string };

export interface ClientOptions extends Credentials {
  version: string;
  /** Seconds before an attempt is abandoned (its outcome is then unknown). */
  timeoutSeconds?: number;
  /** Retries of 429 and of connections that never opened. */
  maxRetries?: number;
  env?: Record<string, string | undefined>;
  /** Concurrent sockets (batch mode raises it). */
  maxSockets?: number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** --debug: one line per request (method, URL, outcome, time); never headers or the token. */
  onDebug?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** How many 429 answers one list request waits out (minutes, as they back off) before the lookup gives up. */
const MAX_LIST_429 = 20;

/** A GET under a pacer: `before` each request; a 429 is handed to `onRateLimited` (true = ask again). */
interface Paced {
  before: () => Promise<void>;
  /** Set once the caller stopped: no request is made after that. */
  stopped?: () => boolean;
  onRateLimited: (retryAfterMs: number | undefined) => Promise<boolean>;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Each phase of opening a new connection may take this long; none has written a byte of the request. */
const CONNECT_PHASE_MS = 10_000;
// Certificate and handshake failures: Node writes no byte of the request before the TLS
// handshake completes, so these prove the message was not sent.
const TLS_FAILURES = /^(EPROTO|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|CERT_|HOSTNAME_MISMATCH$)/;

export class PlivoClient {
  readonly baseUrl: string;
  private readonly options: ClientOptions;
  private readonly agents: Agents;
  /** Where every request goes: the API origin and the account's path, parsed once. */
  private readonly target: Target;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Plivo's clock offset, narrowed by every answer this client hears. */
  readonly clock = new PlivoClock();
  /** Every list request of the run goes through it: Plivo allows 20 a minute. */
  readonly listPacer: ListPacer;
  /** The clock request in flight (see `readClock`). */
  private clockRead: Promise<void> | undefined;

  constructor(options: ClientOptions) {
    this.options = options;
    this.baseUrl = `${options.apiUrl}/v1/Account/${options.authId}/`;
    this.agents = makeAgents(options.apiUrl, options.env ?? {}, options.maxSockets ?? 10);
    this.target = makeTarget(this.baseUrl, options, this.agents);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.listPacer = new ListPacer(parseListRate(options.env?.PLIVO_SEND_LIST_RATE));
  }

  /** How long an attempt may take before it is abandoned. */
  get timeoutMs(): number {
    return (this.options.timeoutSeconds ?? 30) * 1000;
  }

  /** Releases kept-alive sockets so the process can exit. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** One POST of a message, classified; never throws for HTTP or network outcomes. */
  async attemptSend(body: MessageBody): Promise<Attempt> {
    const result = await this.attempt('POST', 'Message/', body);
    return result.kind === 'accepted' ? checkAccepted(result, body) : result;
  }

  /** Sends with retries of 429 and pre-send connection failures; throws a CliError otherwise. */
  async sendMessage(body: MessageBody): Promise<{ response: PlivoResponse; attempts: number }> {
    const maxRetries = this.options.maxRetries ?? 4;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attemptSend(body);
      if (result.kind === 'accepted') return { response: result.response, attempts: attempt };
      const retryable = result.kind === 'rate-limited' || (result.kind === 'not-sent' && result.final !== true);
      if (retryable && attempt <= maxRetries) {
        const delayMs = result.kind === 'rate-limited' && result.retryAfterMs !== undefined ? result.retryAfterMs : backoffMs(attempt);
        this.options.onRetry?.({ attempt, delayMs, reason: result.message });
        await this.sleep(delayMs);
        continue;
      }
      throw attemptError(result, attempt);
    }
  }

  async getMessage(uuid: string): Promise<MessageRecord> {
    return (await this.getJson(`Message/${encodeURIComponent(uuid)}/`)) as MessageRecord;
  }

  /**
   * One page of `GET …/Message/` (Plivo's "List all messages"), paced under the list endpoint's own
   * limit (20 requests a minute) shared by every list request of this client. A 429 is waited out
   * (Retry-After, else a pacing interval doubled for each 429 in a row), up to MAX_LIST_429 times;
   * other failures are retried like any GET. `signal` stops the wait (the lookup is then abandoned).
   */
  async listMessages(query: Record<string, string | number>, signal?: AbortSignal): Promise<MessageList> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    let limited = 0;
    const paced: Paced = {
      before: () => this.listPacer.acquire(signal),
      stopped: () => signal?.aborted === true,
      onRateLimited: async (retryAfterMs) => {
        if (++limited > MAX_LIST_429 || signal?.aborted) return false;
        await this.listPacer.backOff(retryAfterMs, limited, signal);
        return !signal?.aborted;
      },
    };
    return (await this.getJson(`Message/?${search.toString()}`, paced)) as MessageList;
  }

  /** `GET /v1/Account/{auth_id}/`: the account's name, type and cash credit (verifies the credentials). */
  async getAccount(): Promise<AccountRecord> {
    return (await this.getJson('')) as AccountRecord;
  }

  /** `GET …/Pricing/?country_iso=XX`: the account's SMS and MMS rates for one country (ISO 3166-1 alpha-2). */
  async getPricing(countryIso: string): Promise<PricingRecord> {
    return (await this.getJson(`Pricing/?country_iso=${encodeURIComponent(countryIso)}`)) as PricingRecord;
  }

  /**
   * Learns Plivo's clock from one cheap request (the account resource), unless it is known. Callers
   * share the request in flight: a batch starts it early and its send pass waits for the same one.
   */
  readClock(): Promise<void> {
    if (this.clock.known) return Promise.resolve();
    this.clockRead ??= this.attempt('GET', '').then(() => {
      this.clockRead = undefined;
    });
    return this.clockRead;
  }

  /**
   * One cheap request (the account resource) timed by `probeTime` so that its `Date` header
   * decides whether Plivo's clock offset is below `x` ms. Any answer carries the header, so its
   * status does not matter; a failed request teaches nothing.
   */
  async probeClock(x: number, signal?: AbortSignal): Promise<void> {
    const { sendAt } = probeTime(x, Date.now());
    await abortableSleep(sendAt - Date.now(), signal);
    if (signal?.aborted) return;
    await this.attempt('GET', '');
  }

  private async getJson(path: string, paced?: Paced): Promise<unknown> {
    const maxRetries = this.options.maxRetries ?? 4;
    for (let attempt = 1; ; attempt++) {
      await paced?.before();
      if (paced?.stopped?.()) throw new NetworkError("The check of Plivo's message list was stopped before it finished.", 'unknown');
      const result = await this.attempt('GET', path);
      if (result.kind === 'accepted') return result.response;
      if (result.kind === 'rate-limited' && paced) {
        if (!(await paced.onRateLimited(result.retryAfterMs))) throw attemptError(result, attempt);
        attempt--;
        continue;
      }
      // A GET changes nothing: every failure but a rejection is safe to retry.
      const retryable = result.kind === 'rate-limited' || (result.kind === 'not-sent' && result.final !== true) || result.kind === 'unknown';
      if (retryable && attempt <= maxRetries) {
        const delayMs = result.kind === 'rate-limited' && result.retryAfterMs !== undefined ? result.retryAfterMs : backoffMs(attempt);
        await this.sleep(delayMs);
        continue;
      }
      if (result.kind === 'unknown') throw new NetworkError(`Could not reach Plivo: ${result.message}`, 'failed', 'Check the network and try again.');
      throw attemptError(result, attempt);
    }
  }

  private async attempt(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Attempt> {
    let response;
    const started = this.options.onDebug ? performance.now() : 0;
    const debug = (outcome: string) => this.options.onDebug?.(`${method} ${this.baseUrl}${path} → ${outcome} (${Math.round(performance.now() - started)} ms)`);
    const sentAt = Date.now();
    try {
      response = await exchange(this.target, method, path, body === undefined ? undefined : JSON.stringify(body), this.timeoutMs);
    } catch (error) {
      const attempt = classifyNetworkError(error as ExchangeError);
      debug(`${attempt.kind}: ${attempt.message}`);
      return attempt;
    }
    this.clock.observe(response.headers.date, sentAt, Date.now());
    debug(String(response.statusCode));
    const status = response.statusCode;
    const parsed = parseBody(response.body);
    if (status >= 200 && status < 300) return { kind: 'accepted', status, response: (parsed ?? {}) as PlivoResponse };
    const message = errorText(parsed, response.body, status);
    if (status === 401) return { kind: 'auth', status, message };
    if (status === 429) return { kind: 'rate-limited', status, retryAfterMs: parseRetryAfter(response.headers['retry-after']), message };
    if (status >= 500) return { kind: 'unknown', code: `HTTP_${status}`, status, message };
    return { kind: 'rejected', status, response: (parsed as PlivoResponse | undefined) ?? response.body, message };
  }
}

function classifyNetworkError(error: ExchangeError): Extract<Attempt, { kind: 'not-sent' | 'unknown' }> {
  const code = error.code ?? 'ERR_UNKNOWN';
  if (error.timeout !== undefined) {
    if (error.timeout === 'socket')
      return { kind: 'not-sent', code: 'ETIMEDOUT', message: 'timed out waiting for a connection (or for the proxy to open a tunnel)' };
    if (error.timeout !== 'request') return { kind: 'not-sent', code: 'ETIMEDOUT', message: `timed out during ${error.timeout}` };
    return { kind: 'unknown', code: 'ETIMEDOUT', message: 'no answer before the timeout' };
  }
  if (CONNECT_FAILURES.has(code)) return { kind: 'not-sent', code, message: `${code}: ${error.message}` };
  // A TLS failure before the request was handed to the socket whole (its 'finish', which a TLS
  // socket holds back until the handshake is done): nothing reached Plivo. The handshake's own
  // event would not do: a tunnel through a proxy (hpagent hands over a socket already connected)
  // and a reused socket never emit it, so a TLS error after the request went out would pass for
  // "not sent".
  if (TLS_FAILURES.test(code) && !error.uploaded) {
    return { kind: 'not-sent', code, message: `the TLS handshake failed (${code}: ${error.message})`, final: true };
  }
  // hpagent's own errors: the proxy refused or did not answer the CONNECT, so no tunnel and no request.
  if (error.message === 'Bad response: 407')
    return {
      kind: 'not-sent',
      code: 'EPROXY',
      message: 'the proxy asks for credentials (407): give them in HTTPS_PROXY, as http://user:password@proxy:port',
      final: true,
    };
  if (/^Bad response: \d+$|^Proxy timeout$/.test(error.message))
    return { kind: 'not-sent', code: 'EPROXY', message: `the proxy did not open a tunnel (${error.message})` };
  return { kind: 'unknown', code, message: `${code}: ${error.message}` };
}

/** What an attempt whose outcome is unknown ran into, for errors and batch results. */
export function describeUnknown(result: Extract<Attempt, { kind: 'unknown' }>): string {
  if (result.code === BAD_ANSWER) return `${result.message}: the answer does not say what was queued`;
  if (result.status !== undefined) return `Plivo answered with a server error (${result.status}): ${result.message}`;
  return `the request failed after it was sent: ${result.message}`;
}

/** Turns a final, unsuccessful attempt into the error the CLI reports. */
function attemptError(result: Exclude<Attempt, { kind: 'accepted' }>, attempts: number): Error {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (result.kind) {
    case 'auth':
      return new AuthError(
        `Plivo rejected the credentials (401): ${result.message}`,
        'Check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (or authId / authToken in .plivorc, or the token authTokenCommand prints) against the Plivo console; plivo-send config show says where each comes from.',
      );
    case 'rate-limited':
      return new RateLimitError(`Plivo is still rate limiting${tries} (429): ${result.message}`, 'Wait a minute and try again, or lower --rate for batches.');
    case 'rejected': {
      const explained = describeApiError(result.status, result.message);
      return new ApiError(result.status, `Plivo rejected the request (${result.status}): ${result.message}`, result.response, explained);
    }
    case 'not-sent':
      if (result.final && result.code === 'EPROXY')
        return new NetworkError(
          `Could not reach Plivo through the proxy: ${result.message}`,
          'failed',
          'Nothing was sent. Fix the proxy settings, then try again.',
          {
            cause_code: result.code,
          },
        );
      if (result.final) return new NetworkError(`Could not reach Plivo securely: ${result.message}`, 'failed', TLS_HINT, { cause_code: result.code });
      return new NetworkError(
        `Could not reach Plivo${tries}: ${result.message}`,
        'failed',
        'Nothing was sent. Check the network, PLIVO_API_URL and any proxy settings, then try again.',
      );
    case 'unknown':
      return new NetworkError(capitalize(describeUnknown(result)), 'unknown', 'The message may or may not have been queued. Check before sending again.', {
        cause_code: result.code,
      });
  }
}

/** The code of an unknown attempt whose 202 answer does not say what was queued. */
const BAD_ANSWER = 'BAD_ANSWER';

/**
 * A 202 must hold one uuid per accepted destination (Plivo's Message API documentation): an
 * answer that does not (not JSON, an HTML page, too few uuids) proves nothing about what was
 * queued. The outcome is unknown, to be checked in the message list like a lost answer.
 */
function checkAccepted(result: Extract<Attempt, { kind: 'accepted' }>, body: MessageBody): Attempt {
  const { response, status } = result;
  const uuids = response.message_uuid;
  const invalid = Array.isArray(response.invalid_number) ? response.invalid_number.length : 0;
  const expected = new Set(body.dst.split('<').filter(Boolean)).size - invalid;
  let problem: string | undefined;
  if (typeof response.api_id !== 'string' && !Array.isArray(uuids)) problem = "it is not Plivo's JSON answer";
  else if (!Array.isArray(uuids) || !uuids.every((u) => typeof u === 'string' && u !== '')) problem = 'its message_uuid is not a list of uuids';
  else if (uuids.length < expected) problem = `it holds ${uuids.length} message uuid(s) for ${expected} destination(s)`;
  if (problem === undefined) return result;
  return { kind: 'unknown', code: BAD_ANSWER, message: `Plivo answered ${status}, but ${problem}` };
}

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s, 4 s … (capped at 30 s), each × 0.5–1. */
export function backoffMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 120) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - Date.now()), 120_000);
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Plivo's own words when the body has them; otherwise the raw text, or the status alone. */
function errorText(parsed: unknown, raw: string, status: number): string {
  if (parsed && typeof parsed === 'object') {
    const error = (parsed as { error?: unknown }).error;
    if (typeof error === 'string' && error !== '') return error;
    if (error && typeof error === 'object') return JSON.stringify(error);
    const message = (parsed as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text !== '') return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return http.STATUS_CODES[status] ?? `HTTP ${status}`;
}

/** `2024-08-21 18:28` — the list filter's format. */
export function formatPlivoTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

function makeAgents(apiUrl: string, env: Record<string, string | undefined>, maxSockets: number): Agents {
  const proxy = proxyFor(apiUrl, env);
  if (proxy) {
    return {
      // `timeout`: hpagent's CONNECT to the proxy has none of its own ("Proxy timeout": not sent).
      https: new HttpsProxyAgent({ keepAlive: true, maxSockets, proxy, timeout: CONNECT_PHASE_MS }),
      http: new HttpProxyAgent({ keepAlive: true, maxSockets, proxy, timeout: CONNECT_PHASE_MS }),
    };
  }
  return {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
}

/** Everything about a request that is the same for all of them, worked out once per client. */
interface Target {
  request: typeof http.request;
  agent: http.Agent;
  hostname: string;
  port: string | undefined;
  /** The account's path (`/v1/Account/{auth_id}/`), percent-encoded as a URL holds it. */
  basePath: string;
  /** No DNS lookup for an IP address: a new connection starts with `connect`. */
  isIp: boolean;
  tls: boolean;
  headers: Record<string, string>;
}

function makeTarget(baseUrl: string, options: ClientOptions, agents: Agents): Target {
  const url = new URL(baseUrl);
  const tls = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    request: tls ? https.request : http.request,
    agent: tls ? agents.https : agents.http,
    hostname,
    port: url.port === '' ? undefined : url.port,
    basePath: url.pathname,
    isIp: isIP(hostname) !== 0,
    tls,
    headers: {
      'user-agent': `plivo-send/${options.version}`,
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${options.authId}:${options.authToken}`).toString('base64')}`,
    },
  };
}

interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Where a request stands: waiting for a socket (a free one in the pool, or a proxy's tunnel),
 * opening a new connection (three phases), or sent on an open one.
 */
type Phase = 'socket' | 'lookup' | 'connect' | 'secureConnect' | 'request';

/** Plivo's answers are a few kilobytes: an answer past this is cut off and its outcome unknown. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** A request that got no (complete) answer, with what is known about how far it went. */
interface ExchangeError extends Error {
  code?: string;
  /** Set when a timeout ended it: the phase it was in (`request`: after the connection was open). */
  timeout?: Phase;
  /** The request was handed to the socket whole (its 'finish'). */
  uploaded: boolean;
}

/**
 * One request and its whole answer. Never follows redirects, never retries, reads any status.
 * Fails with an ExchangeError; a timeout while a new connection is still being opened (DNS
 * lookup, TCP connect, TLS handshake) names that phase: no byte of the request can have left
 * (Node writes it only once the connection is up), which is what makes it safe to retry. A
 * socket reused from the pool, or a tunnel a proxy agent hands over, is already up.
 */
function exchange(target: Target, method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined ? target.headers : { ...target.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = target.request({ hostname: target.hostname, port: target.port, path: target.basePath + path, method, agent: target.agent, headers });
    let uploaded = false;
    // No byte can leave before the request has a socket.
    let phase: Phase = 'socket';
    let phaseTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const fail = (error: Error & { code?: string }, timeout?: Phase): void => {
      if (settled) return;
      settled = true;
      clearTimeout(requestTimer);
      clearTimeout(phaseTimer);
      const failure = error as ExchangeError;
      failure.uploaded = uploaded;
      if (timeout !== undefined) failure.timeout = timeout;
      reject(failure);
      req.destroy();
    };
    const timedOut = (which: Phase): void => {
      const error = Object.assign(new Error(`Timeout awaiting '${which}' for ${which === 'request' ? timeoutMs : CONNECT_PHASE_MS}ms`), { code: 'ETIMEDOUT' });
      fail(error, which);
    };
    // Past the whole timeout while a new connection is still opening: nothing was written either.
    const requestTimer = setTimeout(() => timedOut(phase), timeoutMs);
    const enter = (next: Phase): void => {
      if (settled) return;
      clearTimeout(phaseTimer);
      phase = next;
      phaseTimer = next === 'request' ? undefined : setTimeout(() => timedOut(next), CONNECT_PHASE_MS);
    };
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) return enter('request');
      enter(target.isIp ? 'connect' : 'lookup');
      socket.once('lookup', () => phase === 'lookup' && enter('connect'));
      socket.once('connect', () => enter(target.tls ? 'secureConnect' : 'request'));
      if (target.tls) socket.once('secureConnect', () => enter('request'));
    });
    req.on('finish', () => (uploaded = true));
    req.on('error', (error) => fail(error));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > MAX_ANSWER_BYTES) fail(Object.assign(new Error(`the answer was larger than ${MAX_ANSWER_BYTES} bytes`), { code: 'EANSWERTOOLARGE' }));
      });
      res.on('error', (error) => fail(error));
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(requestTimer);
        clearTimeout(phaseTimer);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text });
      });
    });
    req.end(body);
  });
}

/** HTTPS_PROXY / HTTP_PROXY (either case) unless NO_PROXY names the host. */
export function proxyFor(apiUrl: string, env: Record<string, string | undefined>): string | undefined {
  const url = new URL(apiUrl);
  const proxy = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return undefined;
  // This machine is never reached through a proxy (the sandbox, local tests).
  if (/^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname)) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const host = url.hostname.toLowerCase();
  for (const entry of noProxy) {
    if (entry === '*') return undefined;
    const bare = entry.replace(/^\*?\./, '').replace(/:\d+$/, '');
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}
