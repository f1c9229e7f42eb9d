import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

let server: FaultServer;
let env: Record<string, string>;
useFaultServer((s, e) => ((server = s), (env = e)));

const SEND = ['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Your code is 123456'];

function expectNoToken(out: { stdout: string; stderr: string }) {
  expect(out.stdout + out.stderr).not.toContain(AUTH_TOKEN);
}

describe('plivo-send sms against a local Plivo', () => {
  it('sends one message: path, auth, headers and body as Plivo expects', async () => {
    const out = await runBin(SEND, { env });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const [post] = server.posts();
    expect(server.posts()).toHaveLength(1);
    expect(post!.url).toBe(`/v1/Account/${AUTH_ID}/Message/`);
    expect(post!.headers.authorization).toBe(`Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(post!.headers['user-agent']).toBe('plivo-send/0.1.0');
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    expect(post!.json).toEqual({ src: '14155550100', dst: '14155550101', text: 'Your code is 123456', type: 'sms' });
    const uuid = server.messages[0]!.message_uuid;
    expect(out.stdout).toBe(`✓ Queued to 14155550101 · GSM-7, 1 segment · ${uuid}\n`);
  });

  it('gives every option its JSON type', async () => {
    const out = await runBin(
      [
        'sms',
        '--powerpack-uuid',
        'a1b2c3d4-0000-4000-8000-000000000001',
        '--dst',
        '+1 (415) 555-0101<14155550102',
        '--dst',
        '14155550103',
        '--text',
        'Ünïcode? no: Ça va €5',
        '--url',
        'https://example.com/status',
        '--method',
        'get',
        '--log',
        'number_only',
        '--trackable',
        '--message-expiry',
        '600',
        '--dlt-entity-id',
        '1201159146834474771',
        '--dlt-template-id',
        '1207161730298765432',
        '--dlt-template-category',
        'service_explicit',
      ],
      { env },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[0]!.json).toEqual({
      powerpack_uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
      dst: '14155550101<14155550102<14155550103',
      text: 'Ünïcode? no: Ça va €5',
      type: 'sms',
      url: 'https://example.com/status',
      method: 'GET',
      log: 'number_only',
      trackable: true,
      message_expiry: 600,
      dlt_entity_id: '1201159146834474771',
      dlt_template_id: '1207161730298765432',
      dlt_template_category: 'service_explicit',
    });
    expect(out.stdout).toMatch(/Queued to 3 numbers · UCS-2, 1 segment each/);
  });

  it("--json prints Plivo's answer unchanged, invalid_number included", async () => {
    const answer = { api_id: 'a-1', message: 'message(s) queued', message_uuid: ['u-1'], invalid_number: ['14155550199'] };
    server.script({ status: 202, body: answer });
    const out = await runBin([...SEND, '--json'], { env });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(answer);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('reads --text - from stdin, dropping one trailing newline', async () => {
    const out = await runBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', '-'], { env, stdin: 'Line 1\nLine 2\n' });
    expect(out.code, out.stderr).toBe(0);
    expect((server.posts()[0]!.json as { text: string }).text).toBe('Line 1\nLine 2');
  });

  it("400: Plivo's own words, exit 1", async () => {
    server.script({ status: 400, body: { api_id: 'x', error: "'14155550101' is not a valid phone number." } });
    const out = await runBin(SEND, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("Plivo rejected the request (400): '14155550101' is not a valid phone number.");
    expect(server.posts()).toHaveLength(1);
  });

  it('400 with --json: the error is a JSON object on stderr and stdout stays empty', async () => {
    server.script({ status: 400, body: { api_id: 'x', error: 'invalid src' } });
    const out = await runBin([...SEND, '--json'], { env });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'http_400', exit_code: 1, status: 400 } });
  });

  it('403: explains geo permissions', async () => {
    server.script({ status: 403, body: { api_id: 'x', error: 'destination country not enabled' } });
    const out = await runBin(SEND, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/geo permissions/i);
  });

  it('401 with a non-JSON body: exit 2, a next step, and never the token', async () => {
    server.script({ status: 401, raw: '<html>Unauthorized</html>' });
    const out = await runBin([...SEND, '--debug'], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Plivo rejected the credentials \(401\): <html>Unauthorized<\/html>/);
    expect(out.stderr).toMatch(/PLIVO_AUTH_TOKEN/);
    expectNoToken(out);
  });

  it('429 is retried with backoff, honouring Retry-After', async () => {
    server.script({ status: 429, headers: { 'retry-after': '0' } }, { status: 429 }, { status: 202 });
    const out = await runBin(SEND, { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()).toHaveLength(3);
    expect(out.stderr).toMatch(/Retrying in 0\.0 s \(attempt 2\)/);
  });

  it('429 that never ends: exit 4 after the configured retries', async () => {
    server.fallback = () => ({ status: 429, headers: { 'retry-after': '0' } });
    writeFileSync(join(env.HOME!, '.plivorc'), JSON.stringify({ retries: 2 }));
    const out = await runBin(SEND, { env });
    expect(out.code).toBe(4);
    expect(server.posts()).toHaveLength(3);
    expect(out.stderr).toMatch(/still rate limiting after 3 attempts/);
  });

  it('500: never retried; the message list is checked; exit 3 says the outcome is unknown', async () => {
    server.script({ status: 500, raw: 'Internal Server Error' });
    const out = await runBin([...SEND, '--settle', '0'], { env });
    expect(out.code).toBe(3);
    expect(server.posts()).toHaveLength(1);
    expect(server.lists().length).toBeGreaterThan(0);
    expect(out.stderr).toMatch(/server error \(500\)/);
    expect(out.stderr).toMatch(/it was not queued/);
    expectNoToken(out);
  });

  it('connection reset after Plivo queued the message: found in the list, reported sent, not sent twice', async () => {
    server.script({ reset: 'after-accept' });
    const out = await runBin(SEND, { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()).toHaveLength(1);
    expect(out.stdout).toContain(server.messages[0]!.message_uuid);
    expect(out.stderr).toMatch(/answer to the request was lost.*not sent again/);
  });

  it('connection reset before anything was queued: exit 3, not retried', async () => {
    server.script({ reset: 'before-accept' });
    const out = await runBin([...SEND, '--settle', '0'], { env });
    expect(out.code).toBe(3);
    expect(server.posts()).toHaveLength(1);
    expect(out.stderr).toMatch(/The request failed after it was sent: ECONNRESET/);
  });

  it('a timeout is an unknown outcome, checked, never retried', async () => {
    // Queued 1.2 s after the request came in: clearly after the attempt began, beyond what Plivo's
    // one-second Date headers leave uncertain, and before the client gives up at 2 s.
    server.queueMs = 1200;
    server.script({ hang: true });
    const out = await runBin([...SEND, '--timeout', '2'], { env });
    expect(server.posts()).toHaveLength(1);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/not sent again/);
  });

  it('connection refused is retried, then exit 3 saying nothing was sent', async () => {
    writeFileSync(join(env.HOME!, '.plivorc'), JSON.stringify({ retries: 1 }));
    const out = await runBin(SEND, { env: { ...env, PLIVO_API_URL: 'http://127.0.0.1:1' } });
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/Could not reach Plivo after 2 attempts: ECONNREFUSED/);
    expect(out.stderr).toMatch(/Nothing was sent/);
  });
});

describe('a send to many numbers', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `1415555${String(1000 + i).padStart(4, '0')}`).join('<');

  it('prints a summary line, then every uuid on a line of its own', async () => {
    const out = await runBin(['sms', '--src', '14155550100', '--dst', many(12), '--text', 'Sale ends today'], { env });
    expect(out.code, out.stderr).toBe(0);
    const [summary, ...rest] = out.stdout.trimEnd().split('\n');
    expect(summary).toBe('✓ Queued to 12 numbers · GSM-7, 1 segment each');
    expect(rest.map((l) => l.trim())).toEqual(server.messages.map((m) => m.message_uuid));
  });

  it('on a terminal shows the first few uuids and how many more', async () => {
    const command = [process.execPath, BIN, 'sms', '--src', '14155550100', '--dst', many(1000), '--text', 'Sale ends today'].map((a) => `'${a}'`).join(' ');
    const output = await new Promise<string>((resolve, reject) => {
      // util-linux `script` gives the binary a pseudo-terminal as stdout.
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...env, TERM: 'dumb' }, cwd: env.HOME });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('close', () => (clearTimeout(timer), resolve(text)));
    });
    expect(output).toContain('✓ Queued to 1,000 numbers · GSM-7, 1 segment each');
    expect(output).toContain(server.messages[4]!.message_uuid);
    expect(output).not.toContain(server.messages[5]!.message_uuid);
    expect(output).toContain('… and 995 more (--json for all)');
  });

  it("--json keeps Plivo's answer whole: every uuid", async () => {
    const out = await runBin(['sms', '--src', '14155550100', '--dst', many(30), '--text', 'hi', '--json'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toHaveProperty('message_uuid.length', 30);
  });
});

describe('bad input sends nothing', () => {
  it.each([
    [['sms', '--dst', '14155550101', '--text', 'hi'], /src: a sender is required/],
    [['sms', '--src', '14155550100', '--dst', '12345', '--text', 'hi'], /dst: '12345' is too short/],
    [['sms', '--src', '14155550100', '--dst', '14155550101'], /text: is required for SMS/],
    [['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'x'.repeat(1601)], /text: is 1,601 characters/],
    [['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'hi', '--message-expiry', '3'], /message_expiry: must be between 5 and 10799/],
    [['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'hi', '--url', 'example.com/cb'], /url: must be an absolute http/],
    [['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'hi', '--log', 'maybe'], /argument 'maybe' is invalid/],
    [['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'hi', '--bogus'], /Unknown option '--bogus'/],
  ])('%j', async (args, message) => {
    const out = await runBin(args, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('lists every problem at once, one field per line', async () => {
    const out = await runBin(['sms', '--dst', 'abc', '--message-expiry', 'soon'], { env });
    expect(out.code).toBe(1);
    expect(
      out.stderr
        .split('\n')
        .filter((l) => /^ {2}\w+: /.test(l))
        .map((l) => l.trim().split(':')[0]),
    ).toEqual(['src', 'dst', 'text', 'message_expiry']);
    expect(server.requests).toHaveLength(0);
  });

  it('--dry-run --json prints the exact request, needs no credentials, sends nothing', async () => {
    const out = await runBin([...SEND, '--dry-run', '--json'], { env: cleanEnv({ PLIVO_API_URL: server.url }) });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      method: 'POST',
      url: `${server.url}/v1/Account/<auth_id>/Message/`,
      body: { src: '14155550100', dst: '14155550101', text: 'Your code is 123456', type: 'sms' },
    });
    expect(server.requests).toHaveLength(0);
  });

  it('missing credentials: exit 2 with where to put them', async () => {
    const out = await runBin(SEND, { env: cleanEnv({ PLIVO_API_URL: server.url }) });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN/);
    expect(server.requests).toHaveLength(0);
  });

  it('plain http to a host that is not this machine is refused', async () => {
    const out = await runBin(SEND, { env: { ...env, PLIVO_API_URL: 'http://api.plivo.com' } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/plain http/);
  });
});

describe('configuration file', () => {
  it('.plivorc credentials and defaults are used; the environment beats them; flags beat both', async () => {
    const home = cleanEnv().HOME!;
    const project = join(home, 'work', 'project');
    mkdirSync(project, { recursive: true });
    const rc = join(home, 'work', '.plivorc');
    writeFileSync(rc, JSON.stringify({ authId: 'MAFILEFILEFILEFILE01', authToken: 'file-token', apiUrl: server.url, src: '14155550100', log: 'false' }));
    chmodSync(rc, 0o600);
    const base = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config') });
    let out = await runBin(['sms', '--dst', '14155550101', '--text', 'hi'], { env: base, cwd: project });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[0]!.headers.authorization).toBe(`Basic ${Buffer.from('MAFILEFILEFILEFILE01:file-token').toString('base64')}`);
    expect(server.posts()[0]!.json).toMatchObject({ src: '14155550100', log: 'false' });

    // The environment's credentials: a config file's apiUrl would not count for them (it could
    // send them elsewhere), so the API comes from the environment too.
    out = await runBin(['sms', '--dst', '14155550101', '--text', 'hi', '--log', 'true'], {
      env: { ...base, PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url },
      cwd: project,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()[1]!.headers.authorization).toBe(`Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(server.posts()[1]!.json).toMatchObject({ log: 'true' });
    expect(out.stderr).toBe('');
  });

  it('--profile beats the environment; PLIVO_PROFILE does not', async () => {
    const home = cleanEnv().HOME!;
    writeFileSync(
      join(home, '.plivorc'),
      JSON.stringify({ apiUrl: server.url, src: '14155550100', profiles: { prod: { authId: 'MAPRODPRODPRODPROD01', authToken: 'prod' } } }),
      { mode: 0o600 },
    );
    const base = { ...cleanEnv({ HOME: home }), PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN };
    await runBin(['sms', '--dst', '14155550101', '--text', 'hi', '--profile', 'prod'], { env: base });
    await runBin(['sms', '--dst', '14155550101', '--text', 'hi'], { env: { ...base, PLIVO_PROFILE: 'prod', PLIVO_API_URL: server.url } });
    const users = server.posts().map((p) => Buffer.from(String(p.headers.authorization).slice(6), 'base64').toString().split(':')[0]);
    expect(users).toEqual(['MAPRODPRODPRODPROD01', AUTH_ID]);
  });

  it('--config loads exactly one file; the user config directory is searched last', async () => {
    const e = cleanEnv();
    mkdirSync(join(e.XDG_CONFIG_HOME!, 'plivo'), { recursive: true });
    writeFileSync(
      join(e.XDG_CONFIG_HOME!, 'plivo', 'config.yaml'),
      `authId: ${AUTH_ID}\nauthToken: ${AUTH_TOKEN}\napiUrl: ${server.url}\nsrc: "14155550100"\n`,
      { mode: 0o600 },
    );
    let out = await runBin(['sms', '--dst', '14155550101', '--text', 'from xdg'], { env: e });
    expect(out.code, out.stderr).toBe(0);
    const other = join(e.HOME!, 'other.json');
    writeFileSync(other, JSON.stringify({ src: '14155550111' }));
    out = await runBin(['sms', '--dst', '14155550101', '--text', 'hi', '--config', other, '--dry-run', '--json'], { env: e });
    expect(JSON.parse(out.stdout)).toHaveProperty('body.src', '14155550111');
  });

  it('warns when a file holding a token is readable by others, without printing the token', async () => {
    const e = cleanEnv();
    const rc = join(e.HOME!, '.plivorc');
    writeFileSync(rc, JSON.stringify({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl: server.url }));
    chmodSync(rc, 0o644);
    const out = await runBin(SEND, { env: e });
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`can be read by everyone: run chmod 600 ${rc}`);
    expectNoToken(out);
  });

  it('a config file with a misspelt key is an error naming the key', async () => {
    const e = cleanEnv();
    writeFileSync(join(e.HOME!, '.plivorc'), JSON.stringify({ authID: AUTH_ID }));
    const out = await runBin(SEND, { env: e });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/authID: is not a known key/);
  });
});

describe('review fixes', () => {
  it('--wait with a bad value is refused before anything is sent', async () => {
    const out = await runBin([...SEND, '--wait', 'abc'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--wait must be a number from 1 to 86,400 \(seconds\)/);
    expect(server.requests).toHaveLength(0);
  });

  it('status --timeout with a bad value is a usage error', async () => {
    const out = await runBin(['status', 'abc', '--timeout', 'soon'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--timeout must be a number from 0.1 to 600 \(seconds\)/);
    expect(server.requests).toHaveLength(0);
  });

  it('a lost answer counts as sent only when every destination shows a message since the attempt', async () => {
    // Plivo queued the message to the first number only, then answered 500.
    server.script({ status: 500, accept: ['14155550101'] });
    const out = await runBin(['sms', '--src', '14155550100', '--dst', '14155550101<14155550102', '--text', 'hi', '--timeout', '1'], { env });
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/queued to 14155550101 \(.*\) but not to 14155550102/);
  });

  it('a recovered answer says so in --json', async () => {
    server.script({ reset: 'after-accept' });
    const out = await runBin([...SEND, '--json'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ message_uuid: [server.messages[0]!.message_uuid], recovered: true });
  });

  it('a message of another type to the same number is not taken for this one', async () => {
    server.script({ status: 503 });
    server.messages.push({
      message_uuid: 'wa-1',
      to_number: '14155550101',
      from_number: '14155550100',
      message_state: 'queued',
      message_time: new Date().toISOString().replace('T', ' ').replace('Z', '+00:00'),
      message_type: 'whatsapp',
      error_code: '000',
    });
    const out = await runBin([...SEND, '--settle', '0'], { env });
    expect(out.code).toBe(3);
  });

  it('--debug prints each request without the token', async () => {
    const out = await runBin([...SEND, '--debug'], { env });
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(new RegExp(`POST ${server.url}/v1/Account/${AUTH_ID}/Message/ → 202 \\(\\d+ ms\\)`));
    expectNoToken(out);
  });

  it('an Auth ID of the wrong shape is not echoed in full (it may be a token in the wrong place)', async () => {
    const out = await runBin(SEND, { env: { ...env, PLIVO_AUTH_ID: AUTH_TOKEN } });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/The Auth ID se… \(\d+ characters\) from the environment does not look like a Plivo Auth ID/);
    expectNoToken(out);
  });

  it('an API URL with a user name or password is refused without echoing it', async () => {
    const out = await runBin(SEND, { env: { ...env, PLIVO_API_URL: 'https://user:s3cret@api.plivo.com' } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/PLIVO_API_URL must not hold a user name or password/);
    expect(out.stderr).not.toContain('s3cret');
  });

  it('outside the home directory, config files in parent directories are not read', async () => {
    const e = cleanEnv();
    const outside = mkdtempSync(join(tmpdir(), 'plivo-send-outside-'));
    const nested = join(outside, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    const rc = (apiUrl: string) => JSON.stringify({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiUrl });
    writeFileSync(join(outside, '.plivorc'), rc('https://elsewhere.example'), { mode: 0o600 });
    let out = await runBin([...SEND, '--dry-run', '--json'], { env: e, cwd: nested });
    expect(JSON.parse(out.stdout)).toHaveProperty('url', expect.stringMatching(/^https:\/\/api\.plivo\.com\//));
    // The working directory itself is still searched.
    writeFileSync(join(nested, '.plivorc'), rc('https://here.example'), { mode: 0o600 });
    out = await runBin([...SEND, '--dry-run', '--json'], { env: e, cwd: nested });
    expect(JSON.parse(out.stdout)).toHaveProperty('url', expect.stringMatching(/^https:\/\/here\.example\//));
  });
});
