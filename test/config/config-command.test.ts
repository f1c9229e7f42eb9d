import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';

const AUTH_ID = 'MAZJKXNTQ1MDA5MTEX2A';
const AUTH_TOKEN = 'sandbox-token-that-must-never-be-printed';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, authId: AUTH_ID, authToken: AUTH_TOKEN, rateLimit: false });
});
afterAll(() => sandbox.close());

/** A private home whose user config file is `file`; Plivo is the sandbox. */
function home() {
  const env = cleanEnv({ PLIVO_API_URL: sandbox.url });
  return { env, dir: env.HOME!, file: join(env.XDG_CONFIG_HOME!, 'plivo', 'config.json') };
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('config init, without a terminal', () => {
  it('verifies the credentials with Plivo, shows the account, and writes the user config file with mode 600', async () => {
    const { env, file } = home();
    const out = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN, '--src', '14155550100'], { env });
    expect(out.stderr).toContain("Plivo accepted the credentials: account 'Plivo sandbox' (standard), cash credit 10.00.");
    expect(out.stdout).toContain(`Saved to ${file} (readable only by you).`);
    expect(out.code).toBe(0);
    expect(read(file)).toEqual({ authId: AUTH_ID, authToken: AUTH_TOKEN, src: '14155550100' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(`${out.stdout}${out.stderr}`).not.toContain(AUTH_TOKEN);
    expect(sandbox.requests().some((r) => r.method === 'GET' && r.url === `/v1/Account/${AUTH_ID}/`)).toBe(true);

    // The file just written is the one the search finds.
    const path = await runBin(['config', 'path'], { env });
    expect([path.code, path.stdout]).toEqual([0, `${file}\n`]);
  });

  it('adds a profile to an existing file, keeping what is there; --auth-token - reads stdin', async () => {
    const { env, file } = home();
    mkdirSync(join(file, '..'), { recursive: true });
    const before = { authId: 'MAOTHEROTHEROTHER001', authToken: 'other', rate: 10, profiles: { us: { src: '14155550100' } } };
    writeFileSync(file, JSON.stringify(before));
    const out = await runBin(['config', 'init', '--profile', 'eu', '--auth-id', AUTH_ID, '--auth-token', '-', '--json'], { env, stdin: `${AUTH_TOKEN}\n` });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      path: file,
      profile: 'eu',
      replaced: false,
      account: { name: 'Plivo sandbox', account_type: 'standard', cash_credits: '10.00000' },
    });
    expect(read(file)).toEqual({ ...before, profiles: { us: { src: '14155550100' }, eu: { authId: AUTH_ID, authToken: AUTH_TOKEN } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never replaces saved credentials without --yes (exit 5, file untouched); with --yes it does', async () => {
    const { env, file } = home();
    mkdirSync(join(file, '..'), { recursive: true });
    const before = JSON.stringify({ authId: 'MAOTHEROTHEROTHER001', authTokenCommand: 'pass show plivo', src: 'ACME' });
    writeFileSync(file, before);
    const refused = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN], { env });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`${file} already holds credentials (Auth ID MAOTHEROTHEROTHER001). Nothing was written.`);
    expect(refused.stderr).toContain('Add --yes to replace them');
    expect(readFileSync(file, 'utf8')).toBe(before);

    const replaced = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN, '--yes'], { env });
    expect(replaced.code).toBe(0);
    // The token source just verified replaces the command; the other keys stay.
    expect(read(file)).toEqual({ authId: AUTH_ID, src: 'ACME', authToken: AUTH_TOKEN });
  });

  it("says when the environment's credentials will still win over the file just written", async () => {
    const { env } = home();
    const out = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', '-'], {
      env: { ...env, PLIVO_AUTH_TOKEN: AUTH_TOKEN },
      stdin: AUTH_TOKEN,
    });
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('PLIVO_AUTH_TOKEN is set in this environment and takes precedence over the file: unset it to use what was saved.');
  });

  it('wrong credentials: exit 2 and nothing written', async () => {
    const { env, file } = home();
    const out = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', 'wrong-token', '--yes'], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Plivo rejected the Auth ID and Auth Token (401). Nothing was written.');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(file, '..'))).toBe(false);
  });

  it('an Auth ID of the wrong form is exit 2 before any request, and is not echoed', async () => {
    const { env, file } = home();
    const out = await runBin(['config', 'init', '--auth-id', AUTH_TOKEN, '--auth-token', AUTH_ID], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/The Auth ID sa… \(\d+ characters\) from --auth-id does not look like a Plivo Auth ID/);
    expect(out.stderr).not.toContain(AUTH_TOKEN);
    expect(existsSync(file)).toBe(false);
  });

  it('without a terminal, missing credentials are a usage error naming the flags', async () => {
    const { env } = home();
    const out = await runBin(['config', 'init', '--auth-id', AUTH_ID], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('--auth-token is missing, and there is no terminal to ask on');
  });

  it('refuses to rewrite a file that is not JSON', async () => {
    const { env, dir } = home();
    const yaml = join(dir, 'plivo.yaml');
    writeFileSync(yaml, 'src: ACME\n');
    const out = await runBin(['config', 'init', '--config', yaml, '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN, '--yes'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${yaml} is not JSON, and config init writes JSON only. Nothing was written.`);
    expect(readFileSync(yaml, 'utf8')).toBe('src: ACME\n');
  });
});

/**
 * Runs the binary on a pseudo-terminal (util-linux `script`), answering each prompt as it appears;
 * `output` is everything the terminal showed, typed characters echoed or not.
 */
function runOnTerminal(args: string[], env: Record<string, string>, answers: Array<[RegExp, string]>): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `stty cols 100 rows 30; ${command}`, '/dev/null'], { env: { ...env, TERM: 'xterm' }, cwd: env.HOME });
    let output = '';
    let answered = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      const next = answers[0];
      if (next && next[0].test(output.slice(answered))) {
        answered = output.length;
        child.stdin.write(next[1]);
        answers.shift();
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('config init: where the file lands', () => {
  it('a symlink (a dotfiles repository) is written through: the link stays, the file it points to gets the credentials', async () => {
    const { env, dir, file } = home();
    const dotfiles = join(dir, 'dotfiles');
    mkdirSync(dotfiles);
    writeFileSync(join(dotfiles, 'plivo.json'), JSON.stringify({ rate: 10 }));
    symlinkSync(join('dotfiles', 'plivo.json'), join(dir, 'link.json'));
    const out = await runBin(['config', 'init', '--config', 'link.json', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(read(join(dotfiles, 'plivo.json'))).toEqual({ rate: 10, authId: AUTH_ID, authToken: AUTH_TOKEN });
    expect(statSync(join(dotfiles, 'plivo.json')).mode & 0o777).toBe(0o600);
    // The temporary file was made next to the target (one rename), and is gone.
    expect(readdirSync(dotfiles)).toEqual(['plivo.json']);

    // The user config file as a link to a file not there yet: the file is created where it points.
    mkdirSync(join(file, '..'), { recursive: true });
    symlinkSync(join(dotfiles, 'new.json'), file);
    const user = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN], { env, cwd: dir });
    expect(user.code, user.stderr).toBe(0);
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(read(join(dotfiles, 'new.json'))).toEqual({ authId: AUTH_ID, authToken: AUTH_TOKEN });
  });

  it('an existing user config directory at 755 is made 700 (README: "its directory 700"); --config elsewhere leaves it alone', async () => {
    const { env, dir, file } = home();
    const userDir = join(file, '..');
    mkdirSync(userDir, { recursive: true, mode: 0o755 });
    chmodSync(userDir, 0o755);
    const elsewhere = await runBin(['config', 'init', '--config', 'project.json', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN], { env, cwd: dir });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(statSync(userDir).mode & 0o777).toBe(0o755);
    const out = await runBin(['config', 'init', '--auth-id', AUTH_ID, '--auth-token', AUTH_TOKEN], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(statSync(userDir).mode & 0o777).toBe(0o700);
  });
});

describe('config init on a terminal', () => {
  it('asks for the Auth ID, the token (not echoed) and a sender, then writes the file', async () => {
    const { env, file } = home();
    const out = await runOnTerminal(['config', 'init'], env, [
      [/Auth ID: $/, `${AUTH_ID}\r`],
      [/Auth Token \(not shown\): $/, `${AUTH_TOKEN}\r`],
      [/Enter for none\): $/, 'ACME\r'],
    ]);
    expect(out.output).toContain(AUTH_ID); // echoed as typed
    expect(out.output).not.toContain(AUTH_TOKEN);
    expect(out.output).toContain("account 'Plivo sandbox'");
    expect(out.code).toBe(0);
    expect(read(file)).toEqual({ authId: AUTH_ID, authToken: AUTH_TOKEN, src: 'ACME' });
  });

  it('asks before replacing saved credentials; "n" keeps them (exit 5)', async () => {
    const { env, file } = home();
    mkdirSync(join(file, '..'), { recursive: true });
    const before = JSON.stringify({ authId: 'MAOTHEROTHEROTHER001', authToken: 'other' });
    writeFileSync(file, before);
    const out = await runOnTerminal(['config', 'init'], env, [[/Replace them\? \[y\/N\] $/, 'n\r']]);
    expect(out.output).toContain('already holds credentials (Auth ID MAOTHEROTHEROTHER001)');
    expect(out.code).toBe(5);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('config show and config path', () => {
  it('show: each setting with where it came from, the token masked', async () => {
    const { env, file } = home();
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify({ authToken: AUTH_TOKEN, src: 'ACME', profiles: { eu: { src: 'EUROPE', authTokenCommand: 'pass show plivo' } } }), {
      mode: 0o600,
    });
    const out = await runBin(['config', 'show'], { env: { ...env, PLIVO_AUTH_ID: AUTH_ID } });
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain(AUTH_TOKEN);
    const lines = out.stdout.split('\n').map((l) => l.replace(/ +/g, ' '));
    expect(lines).toContain(`config file ${file}`);
    expect(lines).toContain(`authId ${AUTH_ID} (PLIVO_AUTH_ID)`);
    expect(lines).toContain(`authToken ****************ted (${file})`.replace('ted', AUTH_TOKEN.slice(-4)));
    expect(lines).toContain(`apiUrl ${sandbox.url} (PLIVO_API_URL)`);
    expect(lines).toContain(`src ACME (${file})`);

    const eu = await runBin(['config', 'show', '--profile', 'eu', '--json'], { env });
    expect(eu.code).toBe(0);
    const shown = JSON.parse(eu.stdout) as { file: string; profile: unknown; settings: Record<string, { value: unknown; source: string; from: string }> };
    expect(shown.file).toBe(file);
    expect(shown.profile).toEqual({ name: 'eu', from: 'flag' });
    expect(shown.settings.src).toEqual({ value: 'EUROPE', source: 'profile', from: `profile 'eu' in ${file}` });
    // The profile's command beats the top level's token: the token is not shown as in effect.
    expect(shown.settings.authToken).toEqual({ value: null, source: null, from: 'not set' });
    expect(shown.settings.authTokenCommand?.value).toBe('pass show plivo');

    writeFileSync(file, JSON.stringify({ authTokenCommand: ['security', 'find-generic-password', '-s', 'plivo send', '-w'] }));
    const command = await runBin(['config', 'show'], { env });
    expect(command.stdout).toMatch(/^authTokenCommand +security find-generic-password -s 'plivo send' -w +\(/m);
    expect(command.stdout).toContain('The auth token comes from authTokenCommand, run only when a command needs it.');
    expect(shown.settings.authId).toEqual({ value: null, source: null, from: 'not set' });
  });

  it('path: the file in use (a --config file too); none found is exit 1 naming where config init writes', async () => {
    const { env, dir, file } = home();
    const none = await runBin(['config', 'path'], { env });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`plivo-send config init writes ${file}`);
    writeFileSync(join(dir, '.plivorc'), '{"src": "ACME"}');
    const found = await runBin(['config', 'path'], { env });
    expect(found.stdout).toBe(`${join(dir, '.plivorc')}\n`);
    const json = await runBin(['config', 'path', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ path: join(dir, '.plivorc'), user_config: file });
  });
});
