/**
 * A scripted stand-in for Plivo on 127.0.0.1, for faults the sandbox does not make: every request
 * is recorded, and each POST to /Message/ takes the next scripted reply (default: 202).
 * Messages it accepts (including "reset after accept") are listed by GET /Message/ so that
 * outcome checks and resumes can find them: newest first, filtered by `to_number`, paged, each
 * `message_time` in Plivo's format with an offset, every answer with a `Date` header (Plivo's
 * clock, which `clockOffsetMs` can set apart from this machine's). `listLagMs` makes records show
 * in the list only that long after they were queued, as Plivo's list can lag behind its queue.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { cleanEnv } from './spawn.js';
import { AUTH_ID, AUTH_TOKEN } from './io.js';
import { listenOnLoopback } from './loopback.js';

export type Reply =
  | {
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string;
      /** overrides `delayMs` for this reply */
      delayMs?: number;
      /** Queue the message anyway (a 5xx after queueing, or a 202 with this `body`); a list: only to these numbers. */
      accept?: boolean | string[];
    }
  /** Accept and record the message, then destroy the socket without answering. */
  | { reset: 'after-accept' }
  /** Destroy the socket without recording anything. */
  | { reset: 'before-accept' }
  /** Answer nothing at all (the client's timeout fires); the message is recorded as queued unless `accept` is false. */
  | { hang: true; accept?: boolean };

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

interface StoredMessage {
  message_uuid: string;
  to_number: string;
  from_number: string;
  message_state: string;
  message_time: string;
  message_type: string;
  error_code: string;
  units?: number;
}

/** A reply to a GET of the message list, instead of the list (e.g. a 429). */
interface ListReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FaultServer {
  url: string;
  requests: Recorded[];
  posts(): Recorded[];
  messages: StoredMessage[];
  /** Replies for the next POSTs, in order; afterwards each POST gets `fallback`. */
  script(...replies: Reply[]): void;
  /** Reply chosen per request (after the script runs out), e.g. by destination. */
  fallback: (body: Record<string, unknown>) => Reply;
  /** Milliseconds to wait before answering each POST. */
  delayMs: number;
  /**
   * Milliseconds Plivo takes to queue a message whose answer is then lost (reset after accept,
   * hang, `accept` with an error status): its record is stamped that long after the request came.
   */
  queueMs: number;
  /** Records show in the list only this long after they were queued. */
  listLagMs: number;
  /**
   * Milliseconds between a request's arrival and the time its message is stamped with, for every
   * accepted message (Plivo's own handling; 0: the moment it arrives).
   */
  stampMs: number;
  /** Plivo's clock minus this machine's: shifts `message_time` and the `Date` header. */
  clockOffsetMs: number;
  /** Replies for the next list GETs, in order; afterwards the list itself. */
  scriptList(...replies: ListReply[]): void;
  /** List GETs made so far. */
  lists(): Recorded[];
  /** Forgets requests, messages and scripted replies: each test starts from a clean server. */
  reset(): void;
  close(): Promise<void>;
}

/** Plivo's record time: `2024-08-21 18:28:49.244000+00:00`. */
export function plivoTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '000+00:00');
}

const DEFAULT_QUEUE_MS = 100;

export async function startFaultServer(): Promise<FaultServer> {
  const queue: Reply[] = [];
  const listQueue: ListReply[] = [];
  /** When each message the server queued shows in the list (records pushed by tests: at once). */
  const visibleAt = new Map<string, number>();
  const sockets = new Set<Socket>();
  const state: FaultServer = {
    url: '',
    requests: [],
    posts: () => state.requests.filter((r) => r.method === 'POST'),
    messages: [],
    script: (...replies) => queue.push(...replies),
    fallback: () => ({ status: 202 }),
    delayMs: 0,
    queueMs: DEFAULT_QUEUE_MS,
    listLagMs: 0,
    stampMs: 0,
    clockOffsetMs: 0,
    scriptList: (...replies) => listQueue.push(...replies),
    lists: () => state.requests.filter((r) => r.method === 'GET' && /\/Message\/\?/.test(r.url)),
    reset: () => {
      state.requests.length = 0;
      state.messages.length = 0;
      queue.length = 0;
      listQueue.length = 0;
      visibleAt.clear();
      state.delayMs = 0;
      state.queueMs = DEFAULT_QUEUE_MS;
      state.listLagMs = 0;
      state.stampMs = 0;
      state.clockOffsetMs = 0;
      state.fallback = () => ({ status: 202 });
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const accept = (body: Record<string, unknown>, only?: string[]): string[] => {
    const destinations = stringField(body.dst, '')
      .split('<')
      .filter((d) => d !== '' && (only === undefined || only.includes(d)));
    const now = Date.now();
    return destinations.map((to) => {
      const message_uuid = randomUUID();
      state.messages.push({
        message_uuid,
        to_number: to,
        from_number: stringField(body.src, ''),
        message_state: 'queued',
        message_time: plivoTime(now + state.stampMs + state.clockOffsetMs),
        message_type: stringField(body.type, 'sms'),
        error_code: '000',
      });
      visibleAt.set(message_uuid, now + state.listLagMs);
      return message_uuid;
    });
  };
  /** Queues after `queueMs`, for replies whose answer is lost or wrong. */
  const acceptLate = async (body: Record<string, unknown>, only?: string[]): Promise<string[]> => {
    if (state.queueMs > 0) await new Promise((resolve) => setTimeout(resolve, state.queueMs));
    return accept(body, only);
  };
  const listed = (url: URL): StoredMessage[] => {
    const to = url.searchParams.get('to_number');
    const now = Date.now();
    const visible = state.messages.filter((m) => (!to || m.to_number === to) && (visibleAt.get(m.message_uuid) ?? 0) <= now);
    // Newest first by message_time (records pushed by a test may come in any order).
    return visible
      .map((m, i) => ({ m, i, t: Date.parse(m.message_time.replace(' ', 'T')) }))
      .sort((a, b) => b.t - a.t || b.i - a.i)
      .map((e) => e.m);
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    // `void`: a handler that throws still surfaces as an unhandled rejection.
    req.on(
      'end',
      () =>
        void (async () => {
          let json: unknown;
          try {
            json = raw ? JSON.parse(raw) : undefined;
          } catch {
            json = undefined;
          }
          state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw, json, at: Date.now() });
          const url = new URL(req.url ?? '/', 'http://127.0.0.1');
          const date = () => ({ date: new Date(Date.now() + state.clockOffsetMs).toUTCString() });
          const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
            const text = typeof body === 'string' ? body : JSON.stringify(body);
            res.writeHead(status, { 'content-type': 'application/json', ...date(), ...headers });
            res.end(text);
          };
          if (req.method === 'GET') {
            const match = /\/Message\/([^/]+)\/$/.exec(url.pathname);
            if (match) {
              const found = state.messages.find((m) => m.message_uuid === match[1]);
              return found ? send(200, { api_id: randomUUID(), ...found }) : send(404, { api_id: randomUUID(), error: 'not found' });
            }
            const scripted = /\/Message\/$/.test(url.pathname) ? listQueue.shift() : undefined;
            if (scripted)
              return send(scripted.status, scripted.body ?? { api_id: randomUUID(), error: http.STATUS_CODES[scripted.status] ?? 'error' }, scripted.headers);
            const limit = Number(url.searchParams.get('limit') ?? 20);
            const offset = Number(url.searchParams.get('offset') ?? 0);
            const all = listed(url);
            const objects = all.slice(offset, offset + limit);
            return send(200, {
              api_id: randomUUID(),
              meta: { limit, offset, total_count: all.length, next: offset + limit < all.length ? `next` : null, previous: null },
              objects,
            });
          }
          const body = (json ?? {}) as Record<string, unknown>;
          const reply = queue.shift() ?? state.fallback(body);
          const delayMs = 'delayMs' in reply && reply.delayMs !== undefined ? reply.delayMs : state.delayMs;
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          if ('reset' in reply) {
            if (reply.reset === 'after-accept') await acceptLate(body);
            req.socket.destroy();
            return;
          }
          if ('hang' in reply) {
            if (reply.accept !== false) await acceptLate(body);
            return;
          }
          if (reply.accept) await acceptLate(body, Array.isArray(reply.accept) ? reply.accept : undefined);
          if (reply.raw !== undefined) {
            res.writeHead(reply.status, { ...date(), ...(reply.headers ?? { 'content-type': 'text/html' }) });
            res.end(reply.raw);
            return;
          }
          if (reply.status === 202 && reply.body === undefined) {
            return send(202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: accept(body) }, reply.headers);
          }
          send(reply.status, reply.body ?? { api_id: randomUUID(), error: http.STATUS_CODES[reply.status] ?? 'error' }, reply.headers);
        })(),
    );
  });
  state.url = await listenOnLoopback(server, sockets);
  return state;
}

/** A request body field the client sends as a string; anything else counts as missing. */
function stringField(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * One fault server for a test file, reset before each test, and an environment whose credentials
 * and PLIVO_API_URL point at it: `use` receives both before each test.
 */
export function useFaultServer(use: (server: FaultServer, env: Record<string, string>) => void): void {
  let server: FaultServer | undefined;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    server!.reset();
    use(server!, cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server!.url }));
  });
}
