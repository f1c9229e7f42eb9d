/**
 * A scripted stand-in for Plivo on 127.0.0.1, for faults the sandbox does not make: every request
 * is recorded, and each POST to /Message/ takes the next scripted reply (default: 202).
 * Messages it accepts (including "reset after accept") are listed by GET /Message/ so that
 * outcome checks and resumes can find them.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string>; raw?: string; /** overrides `delayMs` for this reply */ delayMs?: number }
  /** Accept and record the message, then destroy the socket without answering. */
  | { reset: 'after-accept' }
  /** Destroy the socket without recording anything. */
  | { reset: 'before-accept' }
  /** Answer nothing at all (the client's timeout fires); the message is recorded as queued. */
  | { hang: true };

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface StoredMessage {
  message_uuid: string;
  to_number: string;
  from_number: string;
  message_state: string;
  message_time: string;
  message_type: string;
  error_code: string;
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
  /** Forgets requests, messages and scripted replies: each test starts from a clean server. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  const queue: Reply[] = [];
  const sockets = new Set<Socket>();
  const state: FaultServer = {
    url: '',
    requests: [],
    posts: () => state.requests.filter((r) => r.method === 'POST'),
    messages: [],
    script: (...replies) => queue.push(...replies),
    fallback: () => ({ status: 202 }),
    delayMs: 0,
    reset: () => {
      state.requests.length = 0;
      state.messages.length = 0;
      queue.length = 0;
      state.delayMs = 0;
      state.fallback = () => ({ status: 202 });
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const accept = (body: Record<string, unknown>): string[] => {
    const destinations = String(body.dst ?? '').split('<').filter(Boolean);
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '000+00:00');
    return destinations.map((to) => {
      const message_uuid = randomUUID();
      state.messages.push({ message_uuid, to_number: to, from_number: String(body.src ?? ''), message_state: 'queued', message_time: now, message_type: String(body.type ?? 'sms'), error_code: '000' });
      return message_uuid;
    });
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', async () => {
      let json: unknown;
      try {
        json = raw ? JSON.parse(raw) : undefined;
      } catch {
        json = undefined;
      }
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw, json, at: Date.now() });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      };
      if (req.method === 'GET') {
        const match = /\/Message\/([^/]+)\/$/.exec(url.pathname);
        if (match) {
          const found = state.messages.find((m) => m.message_uuid === match[1]);
          return found ? send(200, { api_id: randomUUID(), ...found }) : send(404, { api_id: randomUUID(), error: 'not found' });
        }
        const to = url.searchParams.get('to_number');
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const all = state.messages.filter((m) => !to || m.to_number === to).reverse();
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
        if (reply.reset === 'after-accept') accept(body);
        req.socket.destroy();
        return;
      }
      if ('hang' in reply) {
        accept(body);
        return;
      }
      if (reply.raw !== undefined) {
        res.writeHead(reply.status, reply.headers ?? { 'content-type': 'text/html' });
        res.end(reply.raw);
        return;
      }
      if (reply.status === 202 && reply.body === undefined) {
        return send(202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: accept(body) }, reply.headers);
      }
      send(reply.status, reply.body ?? { api_id: randomUUID(), error: http.STATUS_CODES[reply.status] ?? 'error' }, reply.headers);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
