/**
 * A stand-in for Plivo's send endpoint on 127.0.0.1 that holds every answer until the test
 * releases it: a run stays mid-batch, with requests in flight, for as long as the test needs
 * (another run started meanwhile meets it for sure, whatever the machine's load).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback.js';

export interface HoldServer {
  url: string;
  /** The `dst` of every POST received so far, in order. */
  posts: string[];
  /** Answers the held POSTs (202, one uuid per destination) and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldServer(): Promise<HoldServer> {
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let holding = true;
  const state: HoldServer = {
    url: '',
    posts: [],
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ api_id: randomUUID(), error: 'not found' }));
        return;
      }
      const dst = (JSON.parse(raw) as { dst?: string }).dst ?? '';
      state.posts.push(dst);
      const answer = () => {
        const message_uuid = dst.split('<').map(() => randomUUID());
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ api_id: randomUUID(), message: 'message(s) queued', message_uuid }));
      };
      if (holding) held.push(answer);
      else answer();
    });
  });
  state.url = await listenOnLoopback(server, sockets);
  return state;
}
