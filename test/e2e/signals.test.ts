/**
 * End to end, with the built binary: SIGTERM (kill, timeout, docker stop, CI) and SIGHUP (a
 * closed terminal) stop a batch the way Ctrl-C does: no new rows, requests in flight settled,
 * a results line for every row, the lock released, the resume command printed, and an exit
 * code naming the signal. The resume then sends every row exactly once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { waitFor } from '../helpers/wait.js';
import { BIN, cleanEnv, runBin, startBin, type Started } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN, dstOf, jsonLines, peopleCsv, tempDir, writeCsv } from '../batch/harness.js';

let server: FaultServer;

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const ROWS = 40;

function setUp() {
  const dir = tempDir();
  const csv = writeCsv(dir, 'people.csv', peopleCsv(ROWS));
  const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url });
  const args = ['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', '--concurrency', '4', '--journal', 'j.jsonl', '--timeout', '2'];
  return { dir, env, args };
}

function start(args: string[], dir: string, env: Record<string, string>): Started {
  return startBin(args, { env, cwd: dir, timeoutMs: 60_000 });
}

/** The resume sends the rest; afterwards Plivo holds exactly one message per row. */
async function resumeAndCheck(dir: string, env: Record<string, string>, args: string[]): Promise<void> {
  server.delayMs = 0;
  const resumed = await runBin([...args, '--resume', '--results', 'resumed.jsonl'], { env, cwd: dir, timeoutMs: 60_000 });
  expect(resumed.code, resumed.stderr).toBe(0);
  for (let i = 1; i <= ROWS; i++)
    expect(
      server.messages.filter((m) => m.to_number === dstOf(i)),
      `row ${i}`,
    ).toHaveLength(1);
  const results = jsonLines(readFileSync(join(dir, 'resumed.jsonl'), 'utf8'));
  expect(results.map((r) => [r.row, r.status])).toEqual(Array.from({ length: ROWS }, (_, i) => [i + 1, 'sent']));
}

describe('a batch stopped by a signal', () => {
  it('SIGTERM: exit 143, a result for every row, no lock left, the resume hint; the resume sends each row once', async () => {
    const { dir, env, args } = setUp();
    server.delayMs = 400;
    const run = start([...args, '--results', 'first.jsonl'], dir, env);
    await waitFor(() => server.posts().length >= 6, 'the first requests');
    run.child.kill('SIGTERM');
    const out = await run.done;

    expect(out.signal).toBeNull();
    expect(out.code, out.stderr).toBe(143);
    expect(out.stderr).toContain('Stopping (SIGTERM received): no new rows are sent');
    expect(out.stderr).toMatch(/The batch was terminated \(SIGTERM\)\. To finish it .*:\n {2}plivo-send sms .*--journal j\.jsonl .*--resume\n/);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
    const first = jsonLines(readFileSync(join(dir, 'first.jsonl'), 'utf8'));
    expect(first.map((r) => r.row)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(server.posts().length).toBeLessThan(ROWS);
    // Requests in flight were waited for: each row Plivo queued is reported sent.
    for (const m of server.messages) expect(first.find((r) => r.dst === m.to_number)?.status).toBe('sent');

    await resumeAndCheck(dir, env, args);
  }, 60_000);

  it('SIGHUP: exit 129, handled the same way', async () => {
    const { dir, env, args } = setUp();
    server.delayMs = 400;
    const run = start([...args, '--results', 'first.jsonl'], dir, env);
    await waitFor(() => server.posts().length >= 6, 'the first requests');
    run.child.kill('SIGHUP');
    const out = await run.done;
    expect(out.signal).toBeNull();
    expect(out.code, out.stderr).toBe(129);
    expect(out.stderr).toContain('Stopping (SIGHUP received)');
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
    expect(jsonLines(readFileSync(join(dir, 'first.jsonl'), 'utf8'))).toHaveLength(ROWS);
    await resumeAndCheck(dir, env, args);
  }, 60_000);

  it('a second SIGTERM stops waiting for requests in flight: still exit 143 (not killed), rows in flight unknown', async () => {
    const { dir, env, args } = setUp();
    // Answers that take far longer than the grace period: only the second signal ends the wait.
    server.delayMs = 30_000;
    const run = start([...args, '--timeout', '60', '--results', 'first.jsonl'], dir, env);
    await waitFor(() => server.posts().length >= 4, 'the first requests');
    run.child.kill('SIGTERM');
    await waitFor(() => run.output().stderr.includes('Stopping'), 'the notice of the first signal');
    run.child.kill('SIGTERM');
    const out = await run.done;
    expect(out.signal).toBeNull();
    expect(out.code, out.stderr).toBe(143);
    const first = jsonLines(readFileSync(join(dir, 'first.jsonl'), 'utf8'));
    expect(first).toHaveLength(ROWS);
    expect(first.filter((r) => r.status === 'unknown').map((r) => r.row)).toEqual([1, 2, 3, 4]);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
  }, 60_000);
});

describe('a single send stopped by a signal', () => {
  it('SIGTERM while the request is out: exit 143 at once, saying the message may have been queued', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url });
    server.delayMs = 30_000;
    const run = startBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Your code is 123456', '--timeout', '60'], {
      env,
      timeoutMs: 20_000,
    });
    await waitFor(() => server.posts().length === 1, 'the request');
    run.child.kill('SIGTERM');
    const out = await run.done;
    expect(out.signal).toBeNull();
    expect(out.code, out.stderr).toBe(143);
    expect(out.stderr).toMatch(/Stopped by SIGTERM while the request to 14155550101 was out: Plivo may or may not have queued the message/);
    expect(out.stderr).toMatch(/before sending it again/);
    expect(server.posts()).toHaveLength(1);
  }, 30_000);

  it('SIGINT while --wait follows the message: exit 130, naming the queued uuid and how to follow it', async () => {
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url });
    const run = startBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hi', '--wait', '120'], { env, timeoutMs: 20_000 });
    await waitFor(() => server.requests.some((r) => r.method === 'GET'), 'the first status check');
    run.child.kill('SIGINT');
    const out = await run.done;
    expect(out.code, out.stderr).toBe(130);
    const uuid = server.messages[0]!.message_uuid;
    expect(out.stderr).toContain(`Stopped by SIGINT while waiting: the message was queued (${uuid})`);
    expect(out.stderr).toContain(`plivo-send status ${uuid} --wait`);
  }, 30_000);
});

describe('a batch whose terminal hangs up', () => {
  // A real hangup, not `kill -HUP`: the terminal goes away, so every later write to it fails (EIO)
  // and Node cannot restore its settings at exit. python3's pty module plays the terminal.
  const DRIVER = `
import os, pty, sys, time, json
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen, deadline = b'', time.time() + 20
while b'/40 rows' not in seen and time.time() < deadline:
    try:
        seen += os.read(fd, 4096)
    except OSError:
        break
os.close(fd)
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None, 'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}))
`;

  it('still finishes its clean-up: a result for every row, no lock left, and the resume sends each row once', async () => {
    const { dir, env, args } = setUp();
    server.delayMs = 300;
    const driver = join(dir, 'hangup.py');
    writeFileSync(driver, DRIVER);
    const { spawn } = await import('node:child_process');
    const status = await new Promise<{ code: number | null; signal: number | null }>((resolve, reject) => {
      const child = spawn('python3', [driver, process.execPath, BIN, ...args, '--results', 'first.jsonl'], { env, cwd: dir });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.on('error', reject);
      child.on('close', () => resolve(JSON.parse(stdout) as { code: number | null; signal: number | null }));
    });
    // Dead of SIGHUP (1), as a program whose terminal hung up is; the shell reports 129 either way.
    expect(status.code === 129 || status.signal === 1, JSON.stringify(status)).toBe(true);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
    expect(jsonLines(readFileSync(join(dir, 'first.jsonl'), 'utf8'))).toHaveLength(ROWS);
    expect(server.posts().length).toBeLessThan(ROWS);
    await resumeAndCheck(dir, env, args);
  }, 60_000);
});
