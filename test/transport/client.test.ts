import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { backoffMs, formatPlivoTime, parseRetryAfter, PlivoClient, proxyFor } from '../../src/transport/client.js';
import { recordTime } from '../../src/transport/evidence.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { AUTH_ID, AUTH_TOKEN, runCli } from '../helpers/io.js';

describe('transport helpers', () => {
  it.each([
    ['0', 0],
    ['3', 3000],
    ['1000', 120_000],
    ['', undefined],
    ['soon', undefined],
  ])('Retry-After %j → %s ms', (header, ms) => expect(parseRetryAfter(header)).toBe(ms));

  it('Retry-After as an HTTP date', () => {
    const ms = parseRetryAfter(new Date(Date.now() + 5000).toUTCString())!;
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });

  it('backoff doubles with jitter between half and all of the step', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = Math.min(30_000, 500 * 2 ** (attempt - 1));
      const ms = backoffMs(attempt);
      expect(ms).toBeGreaterThanOrEqual(step / 2);
      expect(ms).toBeLessThanOrEqual(step);
    }
  });

  it.each([
    ['2024-08-21 18:28:49.244057+05:30', '2024-08-21T12:58:49.244Z'],
    ['2024-08-21 18:28:49+00:00', '2024-08-21T18:28:49.000Z'],
    ['2024-08-21T18:28:49.5-0700', '2024-08-22T01:28:49.500Z'],
  ])('parses Plivo time %s', (raw, iso) => expect(new Date(recordTime(raw)!).toISOString()).toBe(iso));

  it('formats the list filter time', () => expect(formatPlivoTime(new Date('2024-08-21T18:28:49.123Z'))).toBe('2024-08-21 18:28:49'));

  it.each<[string, Record<string, string>, string | undefined]>([
    ['https://api.plivo.com', { HTTPS_PROXY: 'http://proxy:3128' }, 'http://proxy:3128'],
    ['https://api.plivo.com', { https_proxy: 'http://proxy:3128' }, 'http://proxy:3128'],
    ['https://api.plivo.com', { HTTP_PROXY: 'http://proxy:3128' }, undefined],
    ['https://api.plivo.com', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'plivo.com' }, undefined],
    ['https://api.plivo.com', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.plivo.com' }, undefined],
    ['https://api.plivo.com', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '*' }, undefined],
    ['https://api.plivo.com', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'example.com,other.org' }, 'http://proxy:3128'],
    ['http://127.0.0.1:8765', { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '127.0.0.1' }, undefined],
    ['http://127.0.0.1:8765', { HTTP_PROXY: 'http://proxy:3128' }, undefined],
    ['http://localhost:8765', { HTTP_PROXY: 'http://proxy:3128' }, undefined],
  ])('proxy for %s with %j', (url, env, proxy) => expect(proxyFor(url, env)).toBe(proxy));
});

describe('PlivoClient against a local server', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());

  const client = () => new PlivoClient({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: server.url, version: 't', sleep: async () => undefined });

  it.each<[string, Parameters<FaultServer['script']>[0], string]>([
    ['202', { status: 202 }, 'accepted'],
    ['400', { status: 400 }, 'rejected'],
    ['403', { status: 403 }, 'rejected'],
    ['401', { status: 401 }, 'auth'],
    ['429', { status: 429 }, 'rate-limited'],
    ['500', { status: 500 }, 'unknown'],
    ['503 html', { status: 503, raw: '<html>down</html>' }, 'unknown'],
    ['reset', { reset: 'before-accept' }, 'unknown'],
    ['202 with "message_uuid": []', { status: 202, body: { api_id: 'a', message: 'message(s) queued', message_uuid: [] } }, 'unknown'],
    ['202 with an HTML body', { status: 202, raw: '<html>Accepted</html>' }, 'unknown'],
    ['202 with malformed JSON', { status: 202, raw: '{"message_uuid": [' }, 'unknown'],
    ['202 with fewer uuids than destinations', { status: 202, body: { api_id: 'a', message_uuid: [], invalid_number: [] } }, 'unknown'],
  ])('one attempt answered %s is classified %s', async (_name, reply, kind) => {
    server.script(reply);
    const c = client();
    expect((await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).kind).toBe(kind);
    c.close();
  });

  it("every answer's Date header narrows the client's view of Plivo's clock", async () => {
    server.clockOffsetMs = -45_000;
    const c = client();
    await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' });
    expect(c.clock.lo).toBeGreaterThanOrEqual(-46_500);
    expect(c.clock.hi).toBeLessThanOrEqual(-43_500);
    expect(c.clock.lo).toBeLessThanOrEqual(-45_000);
    expect(c.clock.hi).toBeGreaterThanOrEqual(-45_000);
    server.clockOffsetMs = 0;
    c.close();
  });

  it('a refused connection is classified not-sent (safe to retry)', async () => {
    const c = new PlivoClient({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: 'http://127.0.0.1:1', version: 't' });
    expect(await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).toMatchObject({ kind: 'not-sent', code: 'ECONNREFUSED' });
    c.close();
  });

  it('sends the message as JSON with Basic auth, the user agent and nothing else of note', async () => {
    const c = client();
    const body = { src: '14155550100', dst: '14155550101', type: 'sms', text: 'Héllo ✓' } as const;
    expect((await c.attemptSend(body)).kind).toBe('accepted');
    c.close();
    const post = server.posts().at(-1);
    expect(post!.url).toBe(`/v1/Account/${AUTH_ID}/Message/`);
    expect(post!.json).toEqual(body);
    expect(post!.headers).toMatchObject({
      authorization: `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(JSON.stringify(body))),
      'user-agent': 'plivo-send/t',
      accept: 'application/json',
    });
    expect(post!.headers['accept-encoding']).toBeUndefined();
  });

  it("callers of readClock share one request, and none is made once Plivo's clock is known", async () => {
    const c = client();
    const before = server.requests.length;
    await Promise.all([c.readClock(), c.readClock()]);
    await c.readClock();
    c.close();
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([`GET /v1/Account/${AUTH_ID}/`]);
    expect(c.clock.known).toBe(true);
  });

  it('a request Plivo never answers is unknown once the timeout passes (it may have been queued)', async () => {
    server.script({ hang: true });
    const c = new PlivoClient({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: server.url, version: 't', timeoutSeconds: 0.3 });
    expect(await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).toMatchObject({ kind: 'unknown', code: 'ETIMEDOUT' });
    c.close();
  });

  it('a TLS handshake that never completes is not-sent: the request was never written', async () => {
    // Accepts TCP and then says nothing, so the client's TLS handshake waits until the timeout.
    const received: Buffer[] = [];
    const silent = net.createServer((socket) => socket.on('data', (d: Buffer) => received.push(d)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const apiUrl = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const c = new PlivoClient({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl, version: 't', timeoutSeconds: 0.3 });
      expect(await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).toMatchObject({
        kind: 'not-sent',
        code: 'ETIMEDOUT',
        message: 'timed out during secureConnect',
      });
      c.close();
      // Only the TLS ClientHello (a handshake record, 0x16) reached the server, never the request.
      expect(Buffer.concat(received).includes('POST')).toBe(false);
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an answer cut off before its end is unknown, not accepted', async () => {
    const cut = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': '200' });
        res.write('{"api_id":"a","message_uuid":["');
        setImmediate(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    try {
      const c = new PlivoClient({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: `http://127.0.0.1:${(cut.address() as AddressInfo).port}`, version: 't' });
      expect((await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).kind).toBe('unknown');
      c.close();
    } finally {
      cut.closeAllConnections();
      await new Promise((resolve) => cut.close(resolve));
    }
  });

  it('an endless answer is cut off at 1 MB: unknown (it may have been queued), not a crash', async () => {
    const endless = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(64 * 1024);
        const pump = (): void => {
          while (res.write(chunk));
          res.once('drain', pump);
        };
        pump();
      });
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const c = new PlivoClient({
        authId: AUTH_ID,
        authToken: AUTH_TOKEN,
        apiUrl: `http://127.0.0.1:${(endless.address() as AddressInfo).port}`,
        version: 't',
      });
      const attempt = await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' });
      expect(attempt).toMatchObject({ kind: 'unknown', code: 'EANSWERTOOLARGE' });
      c.close();
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('a request still waiting for a socket when the timeout passes is not-sent: no byte of it left', async () => {
    // One socket: the first request holds it (never answered), the second waits in the pool.
    const held = http.createServer((req) => req.resume());
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const c = new PlivoClient({
        authId: AUTH_ID,
        authToken: AUTH_TOKEN,
        apiUrl: `http://127.0.0.1:${(held.address() as AddressInfo).port}`,
        version: 't',
        maxSockets: 1,
        timeoutSeconds: 0.3,
      });
      const first = c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' });
      const second = c.attemptSend({ src: '1', dst: '3', type: 'sms', text: 'x' });
      expect(await first).toMatchObject({ kind: 'unknown' });
      expect(await second).toMatchObject({ kind: 'not-sent', code: 'ETIMEDOUT' });
      c.close();
    } finally {
      held.closeAllConnections();
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it('keeps connections alive: requests one after another share one socket', async () => {
    const ports = new Set<number>();
    const counting = http.createServer((req, res) => {
      ports.add(req.socket.remotePort!);
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ api_id: 'a', message_uuid: ['u'] }));
      });
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    try {
      const c = new PlivoClient({
        authId: AUTH_ID,
        authToken: AUTH_TOKEN,
        apiUrl: `http://127.0.0.1:${(counting.address() as AddressInfo).port}`,
        version: 't',
      });
      for (let i = 0; i < 3; i++) expect((await c.attemptSend({ src: '1', dst: '2', type: 'sms', text: 'x' })).kind).toBe('accepted');
      c.close();
      expect(ports.size).toBe(1);
    } finally {
      counting.closeAllConnections();
      await new Promise((resolve) => counting.close(resolve));
    }
  });

  it('HTTPS_PROXY tunnels requests through the proxy; NO_PROXY bypasses it', async () => {
    // A CONNECT proxy that records where it is asked to tunnel, then refuses: enough to show the
    // request went through it (the target name is never resolved here).
    const tunnels: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req, socket: Socket) => {
      tunnels.push(req.url ?? '');
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const env = { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: 'https://api.plivo.invalid', HTTPS_PROXY: proxyUrl };
      const args = ['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'via proxy'];
      const out = await runCli(args, { env, config: { retries: 0 } });
      expect(out.code).toBe(3);
      expect(tunnels[0]).toBe('api.plivo.invalid:443');
      const bypass = await runCli(args, { env: { ...env, NO_PROXY: '.plivo.invalid' }, config: { retries: 0 } });
      expect(bypass.code).toBe(3);
      expect(bypass.stderr).toMatch(/ENOTFOUND/);
      expect(tunnels).toHaveLength(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
