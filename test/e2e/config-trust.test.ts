/**
 * A config file in the working directory (a checkout) must not send the credentials elsewhere or
 * run code: the built binary against two local servers, the real target and a collector.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { BIN, cleanEnv, runBin, type Spawned } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

let target: FaultServer;
let collector: FaultServer;

beforeAll(async () => {
  target = await startFaultServer();
  collector = await startFaultServer();
});
afterAll(async () => {
  await target.close();
  await collector.close();
});
beforeEach(() => {
  target.reset();
  collector.reset();
});

const SEND = ['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hi'];

function checkout(packageJson: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, ...extra });
  writeFileSync(join(env.HOME!, 'package.json'), JSON.stringify(packageJson));
  return env;
}

describe("a checkout's config file cannot redirect the credentials", () => {
  it("package.json's apiUrl in a profile named with --profile: the collector gets nothing, PLIVO_API_URL gets the send", async () => {
    const env = checkout({ name: 'app', plivo: { profiles: { work: { apiUrl: collector.url } } } }, { PLIVO_API_URL: target.url });
    const out = await runBin([...SEND, '--profile', 'work'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(collector.requests).toHaveLength(0);
    expect(target.posts()).toHaveLength(1);
    expect(out.stderr).toContain(`Ignoring apiUrl '${collector.url}' from the profile 'work' of the config file`);
    expect(target.posts()[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(out.stdout + out.stderr).not.toContain(AUTH_TOKEN);
  });

  it("package.json's top-level apiUrl with the credentials in the environment: the default API is the target", async () => {
    const env = checkout({ name: 'app', plivo: { apiUrl: collector.url } });
    const out = await runBin([...SEND, '--dry-run', '--json'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ method: 'POST', url: `https://api.plivo.com/v1/Account/${AUTH_ID}/Message/` });
    expect(out.stderr).toMatch(/Ignoring apiUrl '.*' from the config file: .*Using https:\/\/api\.plivo\.com\./);
    expect(collector.requests).toHaveLength(0);
  });

  it('an apiUrl that comes with the same file’s own credentials is used', async () => {
    const env = cleanEnv();
    writeFileSync(join(env.HOME!, '.plivorc'), JSON.stringify({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: target.url }), { mode: 0o600 });
    const out = await runBin(SEND, { env });
    expect(out.code, out.stderr).toBe(0);
    expect(target.posts()).toHaveLength(1);
  });
});

describe('a checkout cannot run code on every send', () => {
  it('.plivorc.js (and a cosmiconfig meta config .config/config.js) in the working directory are not run', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: target.url });
    const home = env.HOME!;
    const ran = (name: string) => `require('node:fs').writeFileSync(${JSON.stringify(join(home, name))}, 'ran'); module.exports = {};`;
    writeFileSync(join(home, '.plivorc.js'), ran('plivorc-ran'));
    mkdirSync(join(home, '.config'), { recursive: true });
    writeFileSync(join(home, '.config', 'config.js'), ran('meta-ran'));
    const out = await runBin(SEND, { env });
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(join(home, 'plivorc-ran'))).toBe(false);
    expect(existsSync(join(home, 'meta-ran'))).toBe(false);
    expect(out.stderr).toContain(`Skipped ${join(home, '.plivorc.js')}: a JavaScript config file is loaded only when named with --config`);
    expect(target.posts()).toHaveLength(1);
  });
});

/** Runs the binary as a user the permission bits apply to: root reads anything, so as nobody. */
function runUnprivileged(args: string[], env: Record<string, string>): Promise<Spawned> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: env.HOME,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('config errors say what happened', () => {
  it('an unreadable file or config directory: permission denied and the fix, not "fix its syntax"', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: target.url });
    const home = env.HOME!;
    chmodSync(home, 0o755);
    const locked = join(home, 'locked');
    mkdirSync(join(locked, 'plivo'), { recursive: true });
    writeFileSync(join(locked, 'plivo', 'config'), 'src: "14155550100"\n');
    chmodSync(locked, 0o700);
    if (process.getuid?.() !== 0) chmodSync(locked, 0o000);
    try {
      const searched = await runUnprivileged([...SEND, '--dry-run'], { ...env, XDG_CONFIG_HOME: locked });
      expect(searched.code).toBe(1);
      expect(searched.stderr).toContain(
        `Cannot read ${join(locked, 'plivo', 'config')} while looking for a config file: permission denied (on the file or its directory).`,
      );
      expect(searched.stderr).not.toMatch(/syntax/);

      const file = join(home, 'secret.json');
      writeFileSync(file, '{}', { mode: process.getuid?.() === 0 ? 0o600 : 0o000 });
      const named = await runUnprivileged([...SEND, '--dry-run', '--config', file], env);
      expect(named.code).toBe(1);
      expect(named.stderr).toContain(`Cannot read the config file ${file}: permission denied.`);
      expect(named.stderr).toContain(`chmod 600 ${file}`);
    } finally {
      chmodSync(locked, 0o700);
    }
    expect(target.requests).toHaveLength(0);
  });

  it('--config naming a directory', async () => {
    const env = cleanEnv();
    const out = await runBin([...SEND, '--config', env.HOME!], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`Config file ${env.HOME!} is a directory, not a file.`);
    expect(out.stderr).not.toMatch(/syntax/);
  });

  it('timeout: 3000000 in .plivorc: the file, the key and the range', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: target.url });
    writeFileSync(join(env.HOME!, '.plivorc'), 'timeout: 3000000\n');
    const out = await runBin(SEND, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${join(env.HOME!, '.plivorc')} has settings plivo-send cannot use:`);
    expect(out.stderr).toContain('timeout: must be from 0.1 to 600 (seconds)');
    expect(target.requests).toHaveLength(0);
  });

  it('src written as a YAML number: write it as a string in quotes', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: target.url });
    writeFileSync(join(env.HOME!, '.plivorc'), 'src: 14155550177\n');
    const out = await runBin(['sms', '--dst', '14155550101', '--text', 'Hi'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('src: is a number; write it as a string in quotes ("14155550177")');
    expect(target.requests).toHaveLength(0);
  });
});
