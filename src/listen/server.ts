/**
 * The HTTP end of `listen` (node:http): takes Plivo's callbacks as POST (form-encoded) or GET (query
 * string), checks `X-Plivo-Signature-V3`, answers 403 to anything unsigned or wrongly signed, and
 * hands each signed callback to `onEvent` before answering 200, so that a callback Plivo saw
 * answered is already recorded. Plivo retries answers slower than 8 s: nothing slow happens here.
 */
import http from 'node:http';
import { parseQuery } from '../core/signature.js';
import { toEvent, type ListenEvent } from './events.js';
import { verifyV3 } from './verify.js';
import { BodyTooLarge, listenOn, readBody } from '../http-body.js';

export interface ListenerOptions {
  /** 0 = a free port. */
  port: number;
  host: string;
  authToken: string;
  /** The URL Plivo was given, when a tunnel or proxy sits in front: its origin (and path prefix) replace this server's. */
  publicUrl?: URL | undefined;
  /** Records a signed callback; a throw answers 500 (Plivo retries it). */
  onEvent: (event: ListenEvent) => void;
  /** A request answered with an error status, and why. */
  onRejected: (rejection: Rejection) => void;
  /** `POST /status 200`: every request and its answer (--debug). */
  log?: ((line: string) => void) | undefined;
}

export interface Rejection {
  status: number;
  method: string;
  /** The path, without its query. */
  path: string;
  /** The peer's address. */
  from: string;
  reason: string;
}

export interface Listener {
  /** `http://127.0.0.1:8766`: where this server can be reached. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startListener(options: ListenerOptions): Promise<Listener> {
  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? '';
    const started = Date.now();
    res.on('finish', () => options.log?.(`${method} ${req.url ?? '/'} ${res.statusCode} (${Date.now() - started} ms)`));
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const reject = (status: number, reason: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(`${reason}\n`);
      options.onRejected({ status, method, path, from: req.socket.remoteAddress ?? '', reason });
    };
    let body: string;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return reject(413, `body larger than ${MAX_BODY_BYTES} bytes`, { Connection: 'close' });
      return; // the client went away mid-request: nothing to answer
    }
    if (method !== 'GET' && method !== 'POST') return reject(405, `method ${method} not allowed: Plivo calls back with GET or POST`, { Allow: 'GET, POST' });

    const signatures = header(req, 'x-plivo-signature-v3');
    const nonce = header(req, 'x-plivo-signature-v3-nonce');
    if (signatures === undefined || nonce === undefined) {
      const missing = signatures === undefined ? 'X-Plivo-Signature-V3' : 'X-Plivo-Signature-V3-Nonce';
      return reject(403, `unsigned: no ${missing} header`);
    }
    const query = queryAt < 0 ? '' : target.slice(queryAt + 1);
    const form = method === 'POST' ? parseQuery(body) : new Map<string, string[]>();
    const urls = candidateUrls(req, target, options.publicUrl);
    if (!verifyV3({ method, urls, params: Object.fromEntries(form), nonce, signatures }, options.authToken)) {
      return reject(
        403,
        `wrong signature for ${urls[0] ?? target}: signed with another auth token, altered, or signed for another URL` +
          (options.publicUrl ? '' : ' (behind a tunnel or proxy, give the URL Plivo calls with --public-url)'),
      );
    }
    // POST: the form, then any parameter of the URL's own query it does not have; GET: the query.
    const params = new Map(form);
    for (const [key, values] of parseQuery(query)) if (!params.has(key)) params.set(key, values);
    try {
      options.onEvent(toEvent(params, new Date()));
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not recorded; retry\n');
      options.onRejected({ status: 500, method, path, from: req.socket.remoteAddress ?? '', reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
  }

  return listenOn(server, options.port, options.host);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === undefined || text.trim() === '' ? undefined : text;
}

/**
 * The URLs Plivo may have signed: with --public-url, its origin followed by its path prefix (a proxy
 * that strips it) or not (the full URL was given) and the request's path and query; and the URL the
 * request names itself (its Host, and the scheme and host a proxy reports in X-Forwarded-Proto and
 * X-Forwarded-Host, as ngrok and most proxies do).
 */
function candidateUrls(req: http.IncomingMessage, target: string, publicUrl: URL | undefined): string[] {
  const urls: string[] = [];
  if (publicUrl) {
    const prefix = publicUrl.pathname.replace(/\/+$/, '');
    urls.push(`${publicUrl.origin}${prefix}${target}`, `${publicUrl.origin}${target}`);
  }
  const local = req.socket.localAddress ?? '127.0.0.1';
  const host = req.headers.host ?? `${local.includes(':') ? `[${local}]` : local}:${req.socket.localPort ?? ''}`;
  const forwardedProto = firstValue(req.headers['x-forwarded-proto']);
  const forwardedHost = firstValue(req.headers['x-forwarded-host']);
  if (forwardedProto !== undefined || forwardedHost !== undefined) urls.push(`${forwardedProto ?? 'http'}://${forwardedHost ?? host}${target}`);
  urls.push(`http://${host}${target}`);
  return [...new Set(urls)];
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return first === undefined || first === '' ? undefined : first;
}
