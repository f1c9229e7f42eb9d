/**
 * `listen` over real loopback HTTP: callbacks from the sandbox (signed as Plivo signs them, sent as
 * POST or GET, retried), requests signed by hand, unsigned and wrongly signed ones, inbound
 * messages injected into the sandbox, and `--out`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { CliError, ExitCode } from '../../src/errors.js';
import { waitFor } from '../helpers/wait.js';
import { AUTH_ID, AUTH_TOKEN, DELIVERED, jsonLines, sendCallback, startListen, tempDir, type RunningListen } from './harness.js';
import { api, send } from '../sandbox/helpers.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function listen(...args: Parameters<typeof startListen>): Promise<RunningListen> {
  const running = await startListen(...args);
  cleanup.push(() => running.stop());
  return running;
}

async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await startSandbox({
    authId: AUTH_ID,
    authToken: AUTH_TOKEN,
    deliveryDelayMs: 5,
    rateLimit: false,
    callbackRetryDelaysMs: [10, 10, 10],
    ...options,
  });
  cleanup.push(() => sb.close());
  return sb;
}

const events = (l: RunningListen) => jsonLines(l.stdout());
const waitForEvents = (l: RunningListen, count: number) => waitFor(() => (events(l).length >= count ? events(l) : undefined), `${count} events`);

describe('listen: status callbacks from the sandbox', () => {
  it.each(['POST', 'GET'] as const)('%s callbacks: one JSON line per event with every parameter Plivo sent, and the same lines in --out', async (method) => {
    const out = join(tempDir(), 'events.jsonl');
    const l = await listen({ out });
    const sb = await sandbox();
    const res = await send(sb, { src: '14155550100', dst: '14155550101', text: 'Hello', url: `${l.url}/status?tenant=acme`, method });
    expect(res.status).toBe(202);
    const uuid = (res.body.message_uuid as string[])[0];
    const lines = await waitForEvents(l, 3);
    expect(lines.map((e) => e.Status).sort()).toEqual(['delivered', 'queued', 'sent']);
    const delivered = lines.find((e) => e.Status === 'delivered')!;
    expect(delivered).toMatchObject({
      event: 'status',
      received_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      MessageUUID: uuid,
      To: '14155550101',
      From: '14155550100',
      Units: '1',
      TotalRate: '0.00500',
      TotalAmount: '0.00500',
      Sequence: '3',
      tenant: 'acme',
    });
    expect(Object.keys(delivered).slice(0, 2)).toEqual(['event', 'received_at']);
    expect(Object.values(delivered).every((v) => typeof v === 'string')).toBe(true);
    // --out holds exactly what stdout printed (written before each answer, so already there).
    expect(readFileSync(out, 'utf8')).toBe(l.stdout());
    expect(sb.requests().length).toBe(1);
    expect(l.stderr()).not.toContain(AUTH_TOKEN);
  });

  it('prints a human line per event: state, number, units, amount and uuid; failures with their error', async () => {
    const l = await listen({ json: false });
    const sb = await sandbox();
    await send(sb, { src: '14155550100', dst: '14155550101', text: 'Hello', url: `${l.url}/cb` });
    await send(sb, { src: '14155550100', dst: '14155550050', text: 'Hello', url: `${l.url}/cb` });
    await waitFor(() => l.stdout().includes('delivered') && l.stdout().includes('failed'), 'delivered and failed');
    expect(l.stdout()).toMatch(/^✓ delivered 14155550101 · 1 unit · \$0\.0050 · [0-9a-f-]{36}$/m);
    expect(l.stdout()).toMatch(/^… queued 14155550101 · 1 unit · \$0\.0050 · [0-9a-f-]{36}$/m);
    expect(l.stdout()).toMatch(/^✗ failed 14155550050 · error 50: Invalid destination number · 1 unit · \$0\.0000 · [0-9a-f-]{36}$/m);
    expect(l.stderr()).toContain(`Listening for Plivo callbacks on ${l.url}`);
    expect(l.stderr()).toContain(AUTH_ID);
    expect(l.stderr()).toContain(`ngrok http ${new URL(l.url).port})`);
    expect(l.stderr()).not.toContain(AUTH_TOKEN);
    expect(await l.stop()).toBe(ExitCode.interrupted);
    expect(l.stderr()).toMatch(/Stopped: 5 events recorded\./);
  });
});

describe('listen: signatures', () => {
  it('answers 403 to callbacks signed with another auth token, says so on stderr, and records nothing', async () => {
    const l = await listen({ json: false });
    const sb = await sandbox({ authToken: 'another-accounts-token', deliveryDelayMs: 60_000, callbackRetryDelaysMs: [] });
    await send(sb, { src: '14155550100', dst: '14155550101', text: 'Hello', url: `${l.url}/status` });
    await waitFor(() => l.stderr().includes('✗ 403'), 'the rejection');
    expect(l.stderr()).toMatch(/✗ 403 POST \/status from 127\.0\.0\.1: wrong signature for http:\/\/127\.0\.0\.1:\d+\/status: signed with another auth token/);
    expect(l.stderr()).toMatch(/--public-url/);
    expect(l.stdout()).toBe('');
    expect(l.stderr()).not.toContain(AUTH_TOKEN);
    expect(l.stderr()).not.toContain('another-accounts-token');
  });

  it.each([
    ['unsigned', { unsigned: true }, /unsigned: no X-Plivo-Signature-V3 header/],
    ['a signature without its nonce', { unsigned: true, headers: { 'X-Plivo-Signature-V3': 'abc=' } }, /unsigned: no X-Plivo-Signature-V3-Nonce header/],
    ['altered after signing', { headers: { 'X-Plivo-Signature-V3-Nonce': '12345678901234567890' } }, /wrong signature/],
    ['signed for another URL', { signedUrl: 'http://127.0.0.1:1/elsewhere' }, /wrong signature/],
  ] as const)('answers 403 to a callback %s', async (_what, options, reason) => {
    const l = await listen();
    const answer = await sendCallback(`${l.url}/status`, DELIVERED, options);
    expect(answer.status).toBe(403);
    const [rejection] = jsonLines(l.stderr()).filter((line) => 'rejected' in line) as unknown as Array<{ rejected: { status: number; reason: string } }>;
    expect(rejection?.rejected.status).toBe(403);
    expect(rejection?.rejected.reason).toMatch(reason);
    expect(l.stdout()).toBe('');
  });

  it('accepts GET and POST signed by hand, and a header holding several signatures', async () => {
    const l = await listen();
    expect((await sendCallback(`${l.url}/a?x=1`, DELIVERED, { method: 'GET' })).status).toBe(200);
    const other = { ...DELIVERED, Status: 'sent', Sequence: '2' };
    const answer = await sendCallback(`${l.url}/b`, other, { headers: { 'X-Plivo-Signature-V3': '' } });
    expect(answer.status).toBe(403);
    // A rotated token: the old signature first, the current one after it.
    const { signatureHeaders } = await import('../../src/sandbox/signature.js');
    const right = signatureHeaders('POST', `${l.url}/b`, other, AUTH_TOKEN);
    const old = signatureHeaders('POST', `${l.url}/b`, other, 'old-token');
    const res = await fetch(`${l.url}/b`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Plivo-Signature-V3': `${old['X-Plivo-Signature-V3']!.replace(/=*$/, '')}x,${right['X-Plivo-Signature-V3']!}`,
        'X-Plivo-Signature-V3-Nonce': right['X-Plivo-Signature-V3-Nonce']!,
      },
      body: new URLSearchParams(other).toString(),
    });
    expect(res.status).toBe(200);
    expect(events(l).map((e) => [e.Status, e.x])).toEqual([
      ['delivered', '1'],
      ['sent', undefined],
    ]);
  });

  it('--public-url: accepts what was signed for the tunnel URL (with or without its path), refuses it without', async () => {
    const plain = await listen();
    const signedUrl = 'https://abc123.ngrok.app/status';
    expect((await sendCallback(`${plain.url}/status`, DELIVERED, { signedUrl })).status).toBe(403);
    // ngrok and most proxies say where the request came in: no --public-url needed then.
    expect(
      (await sendCallback(`${plain.url}/status`, DELIVERED, { signedUrl, headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'abc123.ngrok.app' } }))
        .status,
    ).toBe(200);

    const tunnel = await listen({ publicUrl: 'https://abc123.ngrok.app' });
    expect((await sendCallback(`${tunnel.url}/status`, DELIVERED, { signedUrl })).status).toBe(200);
    const full = await listen({ publicUrl: signedUrl });
    expect((await sendCallback(`${full.url}/status`, DELIVERED, { signedUrl })).status).toBe(200);
    // A proxy that strips a path prefix: /hooks/status outside is /status here.
    const prefixed = await listen({ publicUrl: 'https://example.com/hooks' });
    expect((await sendCallback(`${prefixed.url}/status`, DELIVERED, { signedUrl: 'https://example.com/hooks/status' })).status).toBe(200);
  });

  it('--debug: every request and its answer on stderr', async () => {
    const l = await listen({ json: false, debug: true });
    await sendCallback(`${l.url}/status?x=1`, DELIVERED);
    await sendCallback(`${l.url}/status`, DELIVERED, { unsigned: true });
    expect(l.stderr()).toMatch(/^POST \/status\?x=1 200 \(\d+ ms\)$/m);
    expect(l.stderr()).toMatch(/^POST \/status 403 \(\d+ ms\)$/m);
    expect(l.stderr()).not.toContain(AUTH_TOKEN);
  });

  it('answers 405 to other methods', async () => {
    const l = await listen();
    const res = await fetch(`${l.url}/status`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('listen: repeated deliveries', () => {
  it("records Plivo's retries of one event once, answering each 200", async () => {
    const out = join(tempDir(), 'events.jsonl');
    const l = await listen({ out, json: false });
    for (let i = 0; i < 3; i++) expect((await sendCallback(`${l.url}/status`, DELIVERED)).status).toBe(200);
    expect((await sendCallback(`${l.url}/status`, { ...DELIVERED, Status: 'sent', Sequence: '2' })).status).toBe(200);
    expect(l.stdout().trim().split('\n')).toHaveLength(2);
    expect(jsonLines(readFileSync(out, 'utf8')).map((e) => e.Status)).toEqual(['delivered', 'sent']);
    expect(l.stderr()).toMatch(/↻ delivered #3 of 3f2a9c1e-5b7d-4e2f-9a1b-2c3d4e5f6a7b again \(Plivo retried it\): recorded once/);
  });

  it('a callback the sandbox retries after a lost answer is recorded once', async () => {
    // The first answer never reaches the sandbox: a proxy in front drops it, as a network would.
    const l = await listen();
    let calls = 0;
    const proxy = http.createServer((req, res) => {
      calls += 1;
      const upstream = http.request(`${l.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        if (calls === 1) return void req.socket.destroy();
        res.writeHead(answer.statusCode ?? 502);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => (proxy.close(() => resolve()), proxy.closeAllConnections())));
    const port = (proxy.address() as AddressInfo).port;
    const log: string[] = [];
    const sb = await sandbox({ deliveryDelayMs: 60_000, log: (line) => log.push(line) });
    await send(sb, { src: '14155550100', dst: '14155550101', text: 'Hello', url: `http://127.0.0.1:${port}/status` });
    await waitFor(() => log.some((line) => line.includes('-> 200 (attempt 2)')), 'the retry to be answered');
    expect(calls).toBe(2);
    // Signed for the proxy's URL: the Host header carries it through.
    expect(events(l).map((e) => e.Status)).toEqual(['queued']);
  });

  it('a restart appending to the same --out still recognises events already in it', async () => {
    const out = join(tempDir(), 'events.jsonl');
    const first = await listen({ out });
    await sendCallback(`${first.url}/status`, DELIVERED);
    await first.stop();
    // A line cut short by a crash must not swallow the next event.
    writeFileSync(out, `${readFileSync(out, 'utf8')}{"event":"status","Mess`);
    const second = await listen({ out });
    expect((await sendCallback(`${second.url}/status`, DELIVERED)).status).toBe(200);
    expect((await sendCallback(`${second.url}/status`, { ...DELIVERED, MessageUUID: 'another' })).status).toBe(200);
    expect(events(second).map((e) => e.MessageUUID)).toEqual(['another']);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines[1]).toBe('{"event":"status","Mess');
    expect(JSON.parse(lines[2]!)).toMatchObject({ MessageUUID: 'another' });
  });
});

describe('listen: inbound messages injected into the sandbox', () => {
  it('prints the inbound message with its text; --json carries From, To, Text, Type, MessageUUID, Units and amounts', async () => {
    const human = await listen({ json: false });
    const json = await listen();
    const sb = await sandbox({ inboundUrl: `${json.url}/inbound` });
    const injected = await api(sb, 'POST', 'Sandbox/Inbound/', {
      form: new URLSearchParams({ from: '+1 415 555 0101', to: '14155550100', text: 'Hi back\nsee you', url: `${human.url}/inbound` }).toString(),
    });
    expect(injected.status).toBe(202);
    const uuid = (injected.body.message_uuid as string[])[0];
    await waitFor(() => human.stdout() !== '', 'the inbound line');
    expect(human.stdout()).toBe(`← sms from 14155550101 to 14155550100 · "Hi back\\nsee you" · 1 unit · $0.0000 · ${uuid}\n`);

    // No url: the sandbox's --inbound-url; JSON body; the record is listed as inbound.
    const second = await api(sb, 'POST', 'Sandbox/Inbound/', { json: { from: '14155550102', to: '14155550100', text: 'Olá ✓' } });
    expect(second.status).toBe(202);
    const [event] = await waitForEvents(json, 1);
    expect(event).toEqual({
      event: 'inbound',
      received_at: expect.any(String),
      From: '14155550102',
      To: '14155550100',
      Type: 'sms',
      Text: 'Olá ✓',
      MessageUUID: (second.body.message_uuid as string[])[0],
      Units: '1',
      TotalRate: '0.00000',
      TotalAmount: '0.00000',
    });
    const listed = await api(sb, 'GET', 'Message/?message_direction=inbound');
    expect((listed.body.objects as Array<{ message_state: string }>).map((r) => r.message_state)).toEqual(['received', 'received']);
  });

  it('refuses an injection without the fields it needs, saying which', async () => {
    const sb = await sandbox();
    const res = await api(sb, 'POST', 'Sandbox/Inbound/', { json: { from: 'abc', text: '' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/from is required.*to is required.*text is required.*url is required/);
  });
});

describe('listen: bad input', () => {
  it('a port in use is a usage error naming the port and what to do (exit 1); --out is left untouched', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const out = join(tempDir(), 'events.jsonl');
    writeFileSync(out, '{"event":"status"}\n');
    const error = await startListen({ port, out }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.invalid);
    expect((error as CliError).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect((error as CliError).hint).toMatch(/--port/);
    expect(readFileSync(out, 'utf8')).toBe('{"event":"status"}\n');
  });

  it('missing credentials: exit 2, nothing listens', async () => {
    const error = await startListen({}, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CliError).exitCode).toBe(ExitCode.auth);
    expect((error as CliError).message).toMatch(/PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN are not set/);
  });

  it.each([
    [{ publicUrl: 'abc123.ngrok.app' }, /--public-url must be an absolute http\(s\) URL/],
    [{ out: '/nonexistent-dir/events.jsonl' }, /Cannot open --out \/nonexistent-dir\/events\.jsonl: .*ENOENT/],
  ])('%j is refused before listening (exit 1)', async (flags, message) => {
    const error = await startListen(flags).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CliError).exitCode).toBe(ExitCode.invalid);
    expect((error as CliError).message).toMatch(message);
  });
});
