import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
