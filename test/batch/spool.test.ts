/**
 * `--csv -` is spooled to a temporary directory named with the run's pid; a run killed with
 * SIGKILL cannot delete it, so the next run that spools deletes the spools of dead pids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleSpools } from '../../src/batch/input.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

/** Above Linux's largest pid_max (2^22): no process can have it. */
const DEAD_PID = 99_999_999;

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

describe('removeStaleSpools', () => {
  it('removes the spools of dead pids only: not a live run’s, not other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-spooltest-'));
    const names = [`plivo-send-csv-${DEAD_PID}-a1B2c3`, `plivo-send-csv-${process.pid}-d4E5f6`, `plivo-send-csv-${process.ppid}-g7H8i9`, 'plivo-send-csv-notapid-x', 'unrelated'];
    for (const name of names) mkdirSync(join(dir, name));
    writeFileSync(join(dir, names[0]!, 'stdin.csv'), 'dst\n');
    await removeStaleSpools(dir);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });
});

describe('a spool left by kill -9', () => {
  it('is named with the pid of its run, and the next run that reads --csv - removes it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'plivo-send-tmp-'));
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url, TMPDIR: tmp });
    const args = ['sms', '--csv', '-', '--src', '14155550100', '--text', 'Hi', '--yes'];
    // stdin stays open: the run waits in its plan pass, with the spool created.
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: env.HOME, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write('dst\n14155550101\n');
    const spools = () => readdirSync(tmp).filter((name) => name.startsWith('plivo-send-csv-'));
    const deadline = Date.now() + 30_000;
    while (spools().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(spools()).toEqual([expect.stringMatching(new RegExp(`^plivo-send-csv-${child.pid}-`))]);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const left = spools()[0]!;
    expect(existsSync(join(tmp, left, 'stdin.csv'))).toBe(true);

    const next = await runBin(args, { env, stdin: 'dst\n14155550102\n', timeoutMs: 30_000 });
    expect(next.code, next.stderr).toBe(0);
    expect(spools()).toEqual([]);
  });
});
