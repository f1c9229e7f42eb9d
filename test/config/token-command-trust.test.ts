/**
 * authTokenCommand end to end (the built binary against the local sandbox): run from the user
 * config file, never from a checkout's .plivorc, which gets a warning and the "no credentials" error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { cleanEnv, runBin } from '../helpers/spawn.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, deliveryDelayMs: 0, rateLimit: false });
});
afterAll(async () => {
  await sandbox.close();
});

const SEND = ['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hi'];

/** A home with a token command that leaves a mark when it runs; the API is the sandbox. */
function setUp(): { env: Record<string, string>; settings: object; ran: string; repo: string } {
  const env = cleanEnv({ PLIVO_API_URL: sandbox.url });
  const ran = join(env.HOME!, 'ran');
  const command = join(env.HOME!, 'get-token');
  writeFileSync(command, `#!/bin/sh\ntouch '${ran}'\necho '${sandbox.authToken}'\n`);
  chmodSync(command, 0o755);
  const repo = join(env.HOME!, 'repo');
  mkdirSync(repo);
  return { env, settings: { authId: sandbox.authId, authTokenCommand: [command] }, ran, repo };
}

describe('authTokenCommand, by where it is written', () => {
  it("in a checkout's .plivorc: not run; a warning names the file, then the no-credentials error (exit 2) without --sandbox advice for listen", async () => {
    const { env, settings, ran, repo } = setUp();
    writeFileSync(join(repo, '.plivorc'), JSON.stringify(settings));
    const sent = sandbox.messages().length;
    const out = await runBin(SEND, { env, cwd: repo });
    expect(out.code, out.stderr).toBe(2);
    expect(existsSync(ran)).toBe(false);
    expect(out.stderr).toContain(`Ignoring authTokenCommand in ${join(repo, '.plivorc')} (top level)`);
    expect(out.stderr).toContain('No Plivo credentials: PLIVO_AUTH_TOKEN is not set.');
    expect(out.stderr).toContain('add --sandbox');
    expect(sandbox.messages()).toHaveLength(sent);

    const listen = await runBin(['listen', '--port', '0'], { env, cwd: repo });
    expect(listen.code, listen.stderr).toBe(2);
    expect(listen.stderr).toContain('No Plivo credentials');
    expect(listen.stderr).not.toContain('--sandbox');
    expect(existsSync(ran)).toBe(false);
  });

  it('the same file named with --config: run, and the message is sent', async () => {
    const { env, settings, ran, repo } = setUp();
    writeFileSync(join(repo, '.plivorc'), JSON.stringify(settings));
    const out = await runBin([...SEND, '--config', '.plivorc'], { env, cwd: repo });
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(ran)).toBe(true);
    expect(out.stderr).not.toContain('Ignoring authTokenCommand');
  });

  it('in the user config file: run from any directory', async () => {
    const { env, settings, ran, repo } = setUp();
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'plivo'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'plivo', 'config.json'), JSON.stringify(settings), { mode: 0o600 });
    const out = await runBin(SEND, { env, cwd: repo });
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(ran)).toBe(true);
  });
});
