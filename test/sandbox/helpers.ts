import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../src/sandbox/server.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One request to the sandbox's API with the right credentials unless `auth` says otherwise. */
export async function api(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: { json?: unknown; form?: string; auth?: string | null } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? `${sandbox.authId}:${sandbox.authToken}` : options.auth;
  if (auth !== null) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = options.form;
  }
  const url = path.startsWith('/') ? `${sandbox.url}${path}` : `${sandbox.url}/v1/Account/${sandbox.authId}/${path}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
}

/** POSTs a message (JSON) and returns the response. */
export function send(sandbox: Sandbox, message: Record<string, unknown>): Promise<ApiResponse> {
  return api(sandbox, 'POST', 'Message/', { json: message });
}

export interface ReceivedCallback {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Form fields (POST) or query parameters (GET). */
  params: Record<string, string>;
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  close(): Promise<void>;
}

/** A local endpoint for status callbacks; `status` picks the answer to the n-th request (0-based). */
export async function startReceiver(status: (n: number) => number = () => 200): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://receiver.invalid');
      const params = Object.fromEntries(req.method === 'GET' ? url.searchParams : new URLSearchParams(body));
      const n = received.length;
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, params });
      res.writeHead(status(n)).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
