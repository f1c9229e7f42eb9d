/** `plivo-send listen` as a user runs it (the built binary), fed by an in-process sandbox. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { cleanEnv, runBin, startBin, type Started } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';
import { send } from '../sandbox/helpers.js';
import { AUTH_ID, AUTH_TOKEN, jsonLines, tempDir } from './harness.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const env = () => cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN });

function spawnListen(args: string[]): Started {
  const started = startBin(['listen', '--port', '0', ...args], { env: env(), timeoutMs: 60_000 });
  cleanup.push(() => started.child.kill('SIGKILL'));
  return started;
}

describe('plivo-send listen (spawned)', () => {
  it('--json --out: prints the events of a send with a callback URL, writes the same lines, and SIGTERM stops it cleanly (exit 143, as the contract names SIGTERM)', async () => {
    const out = join(tempDir(), 'events.jsonl');
    const listen = spawnListen(['--json', '--out', out]);
    const listening = await waitFor(() => /^\{"listening":.*\}$/m.exec(listen.output().stderr)?.[0], 'the listening line');
    const { url } = (JSON.parse(listening) as { listening: { url: string } }).listening;
    const sandbox = await startSandbox({ authId: AUTH_ID, authToken: AUTH_TOKEN, deliveryDelayMs: 5, rateLimit: false });
    cleanup.push(() => sandbox.close());
    await send(sandbox, { src: '14155550100', dst: '14155550101', text: 'Hello', url: `${url}/status` });
    await waitFor(() => jsonLines(listen.output().stdout).length >= 3, 'three events');
    listen.child.kill('SIGTERM');
    const done = await listen.done;
    expect(done.code, done.stderr).toBe(143);
    expect(
      jsonLines(done.stdout)
        .map((e) => e.Status)
        .sort(),
    ).toEqual(['delivered', 'queued', 'sent']);
    expect(readFileSync(out, 'utf8')).toBe(done.stdout);
    // --json: stderr holds JSON only too.
    for (const line of done.stderr.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(done.stderr).not.toContain(AUTH_TOKEN);
  });

  it('Ctrl-C stops it cleanly, with a summary (exit 130)', async () => {
    const listen = spawnListen([]);
    await waitFor(() => listen.output().stderr.includes('Press Ctrl-C to stop.'), 'the banner');
    listen.child.kill('SIGINT');
    const done = await listen.done;
    expect(done.code, done.stderr).toBe(130);
    expect(done.stderr).toContain('Stopped: 0 events recorded.');
  });

  it('a port in use: exit 1, naming the port and what to do', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as AddressInfo).port;
    const out = await runBin(['listen', '--port', String(port)], { env: env() });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(out.stderr).toMatch(/--port <n>/);
    expect(out.stderr).not.toMatch(/bug/i);
  });

  it('no credentials: exit 2, saying what to set', async () => {
    const out = await runBin(['listen', '--port', '0', '--json']);
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stderr) as unknown).toMatchObject({ error: { code: 'missing_credentials', exit_code: 2 } });
    expect(out.stdout).toBe('');
  });
});
