/**
 * A stand-in for Plivo's send endpoint on 127.0.0.1 that watches how a batch's requests arrive:
 * when each POST came and was answered, how many were in flight at once (to any one number, and
 * in all), and, when `perSecond` is set, Plivo-style rate limiting: at most that many requests
 * accepted in any sliding second, 429 without Retry-After past it.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback.js';

interface WatchedPost {
  dst: string;
  text: string;
  /** performance.now() when the request arrived, and when it was answered. */
  arrived: number;
  answered: number | undefined;
  status: number | undefined;
}

export interface WatchServer {
  url: string;
  posts: WatchedPost[];
  /** The most POSTs in flight at once to one number (a row to `A<B` counts for A and for B). */
  maxPerNumber: number;
  /** The most POSTs in flight at once. */
  maxInFlight: number;
  /** Milliseconds before each answer. */
  delayMs: number;
  /** Accepted requests per sliding second; undefined: no limit. */
  perSecond: number | undefined;
  /** Forgets posts and counters. */
  reset(): void;
  close(): Promise<void>;
}

export async function startWatchServer(): Promise<WatchServer> {
  const inFlight = new Map<string, number>();
  let total = 0;
  const accepted: number[] = [];
  const sockets = new Set<Socket>();
  const state: WatchServer = {
    url: '',
    posts: [],
    maxPerNumber: 0,
    maxInFlight: 0,
    delayMs: 0,
    perSecond: undefined,
    reset: () => {
      state.posts.length = 0;
      state.maxPerNumber = 0;
      state.maxInFlight = 0;
      state.delayMs = 0;
      state.perSecond = undefined;
      accepted.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** Whether the sliding-second limit lets a request arriving `now` through (and counts it). */
  const admit = (now: number): boolean => {
    if (state.perSecond === undefined) return true;
    while (accepted.length > 0 && accepted[0]! <= now - 1000) accepted.shift();
    if (accepted.length >= state.perSecond) return false;
    accepted.push(now);
    return true;
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      // Only sends are watched; anything else (the batch reading Plivo's clock) is not found.
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ api_id: randomUUID(), error: 'not found' }));
        return;
      }
      const body = JSON.parse(raw || '{}') as { dst?: string; text?: string };
      const numbers = String(body.dst ?? '').split('<');
      const post: WatchedPost = {
        dst: String(body.dst ?? ''),
        text: String(body.text ?? ''),
        arrived: performance.now(),
        answered: undefined,
        status: undefined,
      };
      state.posts.push(post);
      total++;
      state.maxInFlight = Math.max(state.maxInFlight, total);
      for (const n of numbers) {
        inFlight.set(n, (inFlight.get(n) ?? 0) + 1);
        state.maxPerNumber = Math.max(state.maxPerNumber, inFlight.get(n)!);
      }
      const ok = admit(post.arrived);
      setTimeout(() => {
        total--;
        for (const n of numbers) inFlight.set(n, inFlight.get(n)! - 1);
        post.answered = performance.now();
        post.status = ok ? 202 : 429;
        res.writeHead(post.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok
              ? { api_id: randomUUID(), message: 'message(s) queued', message_uuid: numbers.map(() => randomUUID()) }
              : { api_id: randomUUID(), error: 'too many requests' },
          ),
        );
      }, state.delayMs);
    });
  });
  state.url = await listenOnLoopback(server, sockets);
  return state;
}
