/**
 * `--csv -` is spooled to a temporary directory named with the host and the run's pid; a run
 * killed with SIGKILL cannot delete it, so the next run that spools deletes the spools of this
 * host's dead pids (a minute old at least: a pid means something only in its own namespace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleSpools } from '../../src/batch/input.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { waitFor } from '../helpers/wait.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

/** Above Linux's largest pid_max (2^22): no process can have it. */
const DEAD_PID = 99_999_999;
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
const TWO_MINUTES_AGO = new Date(Date.now() - 120_000);

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

/** Makes spool directories named `names` in a new directory, aged as `at` says (default: two minutes). */
function spoolsIn(names: string[], at: (name: string) => Date = () => TWO_MINUTES_AGO): string {
  const dir = mkdtempSync(join(tmpdir(), 'plivo-send-spooltest-'));
  for (const name of names) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'stdin.csv'), 'dst\n');
    utimesSync(join(dir, name), at(name), at(name));
  }
  return dir;
}

describe('removeStaleSpools', () => {
  it('removes the spools of this host’s dead pids only: not a live run’s, not other files', async () => {
    const names = [
      `plivo-send-csv-${HOST}-${DEAD_PID}-a1B2c3`,
      `plivo-send-csv-${HOST}-${process.pid}-d4E5f6`,
      `plivo-send-csv-${HOST}-${process.ppid}-g7H8i9`,
      `plivo-send-csv-${HOST}-notapid-x1Y2z3`,
      'unrelated',
    ];
    const dir = spoolsIn(names);
    await removeStaleSpools(dir);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });

  it('leaves the spools of another host alone: its pids are not ours to judge (a container sharing /tmp)', async () => {
    const names = [`plivo-send-csv-other-${HOST}-${DEAD_PID}-a1B2c3`, `plivo-send-csv-${DEAD_PID}-d4E5f6`];
    const dir = spoolsIn(names);
    await removeStaleSpools(dir);
    expect(readdirSync(dir).sort()).toEqual(names.sort());
  });

  it('leaves a spool younger than a minute alone, even when its pid looks dead', async () => {
    const young = `plivo-send-csv-${HOST}-${DEAD_PID}-a1B2c3`;
    const old = `plivo-send-csv-${HOST}-${DEAD_PID}-d4E5f6`;
    const dir = spoolsIn([young, old], (name) => (name === young ? new Date(Date.now() - 10_000) : TWO_MINUTES_AGO));
    await removeStaleSpools(dir);
    expect(readdirSync(dir)).toEqual([young]);
  });
});

describe('a spool left by kill -9', () => {
  it('is named with the host and the pid of its run, and the next run that reads --csv - removes it once it is a minute old', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'plivo-send-tmp-'));
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url, TMPDIR: tmp });
    const args = ['sms', '--csv', '-', '--src', '14155550100', '--text', 'Hi', '--yes'];
    // stdin stays open: the run waits in its plan pass, with the spool created.
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: env.HOME, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write('dst\n14155550101\n');
    const spools = () => readdirSync(tmp).filter((name) => name.startsWith('plivo-send-csv-'));
    // The directory is made first, then the file in it: wait for the file.
    const spooled = () => spools().some((name) => existsSync(join(tmp, name, 'stdin.csv')));
    await waitFor(spooled, 'the spooled stdin', 30_000);
    expect(spools()).toEqual([expect.stringMatching(new RegExp(`^plivo-send-csv-${HOST.replaceAll('.', '\\.')}-${child.pid}-`))]);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const left = spools()[0]!;
    expect(existsSync(join(tmp, left, 'stdin.csv'))).toBe(true);

    const young = await runBin(args, { env, stdin: 'dst\n14155550102\n', timeoutMs: 30_000 });
    expect(young.code, young.stderr).toBe(0);
    expect(spools()).toEqual([left]);
    utimesSync(join(tmp, left), TWO_MINUTES_AGO, TWO_MINUTES_AGO);
    const next = await runBin(args, { env, stdin: 'dst\n14155550102\n', timeoutMs: 30_000 });
    expect(next.code, next.stderr).toBe(0);
    expect(spools()).toEqual([]);
  });
});
