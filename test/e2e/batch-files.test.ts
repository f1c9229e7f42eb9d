/**
 * End to end, with the built binary: the files of a batch. The journal's lock holds whatever name
 * the journal is reached by (symlink, hard link, in any directory); --results never overwrites
 * another file of the run (not through a dangling symlink either); results that cannot be written
 * are reported, never passed off as written; a resume can write them again from the journal; a
 * journal that cannot be written is refused before sending.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { startHoldServer } from '../helpers/hold-server.js';
import { waitFor } from '../helpers/wait.js';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, cleanEnv, runBin, startBin, type Spawned, type SpawnOptions } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN, dstOf, jsonLines, peopleCsv, tempDir, writeCsv } from '../batch/harness.js';

let server: FaultServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  dir = tempDir();
  // A TMPDIR of the test's own, like /tmp (anyone may create in it): the runs lock journals there.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url, TMPDIR: tmp });
});

/** The locks named by device and inode that runs as this user left in the test's TMPDIR. */
const fileLocks = () => {
  const locks = join(dir, 'tmp', `plivo-send-${process.getuid?.() ?? ''}`);
  return existsSync(locks) ? readdirSync(locks) : [];
};

const postsTo = (dst: string) => server.posts().filter((p) => (p.json as { dst: string }).dst === dst);

function batchArgs(rows: number, extra: string[] = []): string[] {
  const csv = writeCsv(dir, 'people.csv', peopleCsv(rows));
  return ['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', ...extra];
}

function bin(args: string[], options: SpawnOptions = {}) {
  return runBin(args, { env, cwd: dir, timeoutMs: 60_000, ...options });
}

const shellWord = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs a bash command line in the test's directory and environment. */
function runShell(command: string): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function expectEachRowSentOnce(rows: number): void {
  for (let i = 1; i <= rows; i++) expect(postsTo(dstOf(i)), `row ${i}`).toHaveLength(1);
}

describe('the journal lock holds the file, whatever its name', () => {
  const links = {
    symlink: { make: symlinkSync, at: 'link.jsonl', lockFile: /lock file .*j\.jsonl\.lock\)/ },
    'hard link': { make: linkSync, at: 'link.jsonl', lockFile: /lock file .*j\.jsonl\.lock\)/ },
    'hard link in another directory': { make: linkSync, at: 'elsewhere/link.jsonl', lockFile: /lock file .*plivo-send-\d+\/\d+-\d+\.lock\)/ },
  };
  for (const [kind, { make, at, lockFile }] of Object.entries(links)) {
    it(`a --resume through a ${kind} to a journal in use is refused (exit 1), sends nothing, and the first run sends each row once`, async () => {
      const ROWS = 6;
      // The first run's requests stay unanswered until the second run is over: it is mid-batch,
      // holding its locks, whenever the second one looks.
      const hold = await startHoldServer();
      try {
        const holdEnv = { ...env, PLIVO_API_URL: hold.url };
        const args = batchArgs(ROWS, ['--concurrency', '2', '--timeout', '120']);
        const first = startBin([...args, '--journal', 'j.jsonl'], { env: holdEnv, cwd: dir, timeoutMs: 120_000 });
        await waitFor(() => hold.posts.length >= 1 || first.child.exitCode !== null, 'the first run to send');
        mkdirSync(join(dir, 'elsewhere'));
        make(join(dir, 'j.jsonl'), join(dir, at));

        const second = await bin([...args, '--journal', at, '--resume'], { env: holdEnv });
        expect(second.code, second.stderr).toBe(1);
        expect(second.stderr).toContain(`The journal ${at} is in use by another plivo-send run (pid ${first.child.pid}, `);
        expect(second.stderr).toMatch(lockFile);
        expect(second.stderr).toContain('Nothing was sent.');
        expect(hold.posts.length).toBeLessThanOrEqual(2);

        hold.release();
        const done = await first.done;
        expect(done.code, done.stderr).toBe(0);
        expect(hold.posts.sort()).toEqual(Array.from({ length: ROWS }, (_, i) => dstOf(i + 1)).sort());
        expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
        expect(existsSync(join(dir, `${at}.lock`))).toBe(false);
        expect(fileLocks()).toEqual([]);
      } finally {
        await hold.close();
      }
    }, 150_000);
  }
});

describe('--results never overwrites another file of the run', () => {
  for (const kind of ['symlink', 'hard link'] as const) {
    it(`a --results that is a ${kind} to the journal or the CSV is refused before anything is sent`, async () => {
      const args = batchArgs(3, ['--journal', 'j.jsonl']);
      expect((await bin(args)).code).toBe(0);
      const journal = readFileSync(join(dir, 'j.jsonl'), 'utf8');
      const csv = readFileSync(join(dir, 'people.csv'), 'utf8');
      const make = kind === 'symlink' ? symlinkSync : linkSync;
      make(join(dir, 'j.jsonl'), join(dir, 'to-journal.jsonl'));
      make(join(dir, 'people.csv'), join(dir, 'to-csv.csv'));
      server.reset();

      const overJournal = await bin([...args, '--resume', '--results', 'to-journal.jsonl']);
      expect(overJournal.code).toBe(1);
      expect(overJournal.stderr).toContain('--results to-journal.jsonl would overwrite the journal');
      const overCsv = await bin([...args, '--resume', '--results', 'to-csv.csv']);
      expect(overCsv.code).toBe(1);
      expect(overCsv.stderr).toContain('--results to-csv.csv would overwrite the CSV');

      expect(readFileSync(join(dir, 'j.jsonl'), 'utf8')).toBe(journal);
      expect(readFileSync(join(dir, 'people.csv'), 'utf8')).toBe(csv);
      expect(server.requests).toHaveLength(0);
    });
  }

  it('a --results that is a dangling symlink to the new journal is refused, and the journal is not created through it', async () => {
    symlinkSync('j.jsonl', join(dir, 'r.jsonl'));
    const out = await bin(batchArgs(3, ['--journal', 'j.jsonl', '--results', 'r.jsonl']));
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('--results r.jsonl would overwrite the journal (it is the same file under another name). Nothing was sent.');
    expect(existsSync(join(dir, 'j.jsonl'))).toBe(false);
    expect(lstatSync(join(dir, 'r.jsonl')).isSymbolicLink()).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('a --results reaching the journal’s lock file through a chain of dangling relative symlinks in another directory is refused', async () => {
    mkdirSync(join(dir, 'out'));
    // out/r.jsonl -> r2.jsonl (out/r2.jsonl) -> ../j.jsonl.lock: each target relative to its link's directory.
    symlinkSync('r2.jsonl', join(dir, 'out', 'r.jsonl'));
    symlinkSync('../j.jsonl.lock', join(dir, 'out', 'r2.jsonl'));
    const out = await bin(batchArgs(3, ['--journal', 'j.jsonl', '--results', 'out/r.jsonl']));
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain("--results out/r.jsonl would overwrite the journal's lock file");
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('a --results naming the lock a resume takes on the journal file itself is refused when opened, and the lock keeps its pid', async () => {
    const args = batchArgs(3, ['--journal', 'j.jsonl']);
    expect((await bin(args)).code).toBe(0);
    server.reset();
    const journal = statSync(join(dir, 'j.jsonl'));
    const lock = join(dir, 'tmp', `plivo-send-${process.getuid?.() ?? ''}`, `${journal.dev}-${journal.ino}.lock`);
    const out = await bin([...args, '--resume', '--results', lock]);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain(`--results ${lock} would overwrite the journal's lock file`);
    // Plivo's clock was read (a GET, while the CSV was planned); nothing was sent.
    expect(server.posts()).toHaveLength(0);
    expect(fileLocks()).toEqual([]);
  });

  it('a --results that is the --config file or a --template @file under another name is refused, both left intact', async () => {
    writeFileSync(join(dir, 'plivo.json'), JSON.stringify({ src: '14155550100' }));
    copyFileSync(join(import.meta.dirname, '../../examples/template.json'), join(dir, 'template.json'));
    linkSync(join(dir, 'plivo.json'), join(dir, 'to-config.jsonl'));
    symlinkSync('template.json', join(dir, 'to-template.jsonl'));
    const csv = writeCsv(dir, 'people.csv', peopleCsv(2));
    const args = ['whatsapp', '--csv', csv, '--config', 'plivo.json', '--template', '@template.json', '--yes'];

    const overConfig = await bin([...args, '--results', 'to-config.jsonl']);
    expect(overConfig.code, overConfig.stderr).toBe(1);
    expect(overConfig.stderr).toContain('--results to-config.jsonl would overwrite the config file');
    const overTemplate = await bin([...args, '--results', 'to-template.jsonl']);
    expect(overTemplate.code, overTemplate.stderr).toBe(1);
    expect(overTemplate.stderr).toContain('--results to-template.jsonl would overwrite the --template file');

    expect(JSON.parse(readFileSync(join(dir, 'plivo.json'), 'utf8'))).toEqual({ src: '14155550100' });
    expect(readFileSync(join(dir, 'template.json'), 'utf8')).toBe(readFileSync(join(import.meta.dirname, '../../examples/template.json'), 'utf8'));
    expect(server.requests).toHaveLength(0);
  });

  it.skipIf(process.getuid?.() !== 0)('a results file whose mode cannot be changed (owned by another user) is refused with its contents intact', async () => {
    // Written by root and writable by all: the run (as nobody) may write it but not chmod it.
    writeFileSync(join(dir, 'out.jsonl'), 'earlier results\n');
    chmodSync(join(dir, 'out.jsonl'), 0o666);
    chownSync(join(dir, 'out.jsonl'), 0, 0);
    chmodSync(dir, 0o777);
    chmodSync(env.HOME!, 0o777);
    const out = await bin(batchArgs(2, ['--results', 'out.jsonl']), { uid: 65534, gid: 65534 });
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('Cannot write the results file out.jsonl: operation not permitted (EPERM). Nothing was sent.');
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe('earlier results\n');
    // The prices were asked for (a GET) before the results file was opened; nothing was sent.
    expect(server.posts()).toHaveLength(0);
  });

  it('an existing results file is made 0600, like a new one (it holds phone numbers)', async () => {
    writeFileSync(join(dir, 'out.jsonl'), 'old\n', { mode: 0o644 });
    chmodSync(join(dir, 'out.jsonl'), 0o644);
    const out = await bin(batchArgs(2, ['--results', 'out.jsonl']));
    expect(out.code, out.stderr).toBe(0);
    expect(statSync(join(dir, 'out.jsonl')).mode & 0o777).toBe(0o600);
    expect(jsonLines(readFileSync(join(dir, 'out.jsonl'), 'utf8'))).toHaveLength(2);
  });
});

describe('results that cannot be written', () => {
  it('with a journal: the batch finishes, exits 6 naming the file and the reason, and a resume writes every result again without re-sending', async () => {
    const ROWS = 5;
    const args = batchArgs(ROWS, ['--journal', 'j.jsonl']);
    const out = await bin([...args, '--results', '/dev/full']);
    expect(out.code, out.stderr).toBe(6);
    expect(out.stderr).toContain('Could not write the results file /dev/full: no space left on device (ENOSPC)');
    expect(out.stderr).toContain("Every row's outcome is in the journal j.jsonl");
    expect(out.stderr).not.toMatch(/Internal error|a bug/);
    expectEachRowSentOnce(ROWS);

    // The command the hint prints, with another results path: every row from the journal.
    const resume = /\n {4}(plivo-send sms .*--resume)\n/.exec(out.stderr)?.[1];
    expect(resume).toContain('--results /dev/full');
    const again = await bin([...args, '--journal', 'j.jsonl', '--resume', '--results', 'again.jsonl']);
    expect(again.code, again.stderr).toBe(0);
    expectEachRowSentOnce(ROWS);
    const results = jsonLines(readFileSync(join(dir, 'again.jsonl'), 'utf8'));
    expect(results.map((r) => [r.row, r.status])).toEqual(Array.from({ length: ROWS }, (_, i) => [i + 1, 'sent']));
    for (const r of results) expect(r.message_uuid).toEqual(server.messages.filter((m) => m.to_number === r.dst).map((m) => m.message_uuid));
  });

  it("without a journal: each row's line is written at once, and no row is sent after the first line that could not be written, exit 6", async () => {
    const ROWS = 40;
    // One request at a time. Row 1's line fails as soon as row 1 is answered (lines used to wait
    // up to a second in a buffer, while every row was sent); row 2's request may have started in
    // that same moment, as row 1's answer frees its request slot; no row after it is sent.
    const out = await bin(batchArgs(ROWS, ['--concurrency', '1', '--results', '/dev/full']));
    expect(out.code, out.stderr).toBe(6);
    expect(out.stderr).toContain('Could not write the results file /dev/full: no space left on device (ENOSPC). No new rows are sent.');
    expect(out.stderr).toContain(
      'There was no --journal, so the results were the only record: no row was sent after the failed write (requests already on their way were finished)',
    );
    const sent = server.posts().map((p) => (p.json as { dst: string }).dst);
    expect(sent).toEqual([dstOf(1), dstOf(2)].slice(0, Math.max(1, sent.length)));
  });

  it('a file size limit (ulimit -f: EFBIG) is reported the same way, not by dying of SIGXFSZ', async () => {
    const ROWS = 60;
    const args = [...batchArgs(ROWS), '--results', 'out.jsonl'];
    // 4 blocks of 512 bytes: room for about 17 of the 60 result lines.
    const limited = await runShell(`ulimit -f 4; exec ${[process.execPath, BIN, ...args].map(shellWord).join(' ')}`);
    expect(limited.signal).toBeNull();
    expect(limited.code, limited.stderr).toBe(6);
    expect(limited.stderr).toContain('Could not write the results file out.jsonl: file too large (EFBIG)');
    // Found by a flush during the run or by the last one: either way no row went out twice.
    for (let i = 1; i <= ROWS; i++) expect(postsTo(dstOf(i)).length, `row ${i}`).toBeLessThanOrEqual(1);
  });
});

/** Mounts a tmpfs of `size` at `path` (root only); false when this machine does not allow it. */
function mountTmpfs(path: string, size: string): boolean {
  mkdirSync(path);
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]).status === 0;
}

const canMount = process.getuid?.() === 0 && process.platform === 'linux';

describe('a journal that cannot be written', () => {
  it.skipIf(!canMount)(
    'a full disk under the journal stops the batch (exit 6, the reason said); once there is room the resume sends every row exactly once',
    async ({ skip }) => {
      const ROWS = 150;
      const small = join(dir, 'small');
      // About 80 rows' records fit; few rows are in flight when it fills, so the resume has few to look up.
      if (!mountTmpfs(small, '16k')) return skip('mount -t tmpfs is not allowed here');
      // Plivo stamps a message some time after the request reached it: the rows whose outcome the
      // full disk left unknown are then told apart from their attempts by the resume.
      server.stampMs = 100;
      try {
        const args = batchArgs(ROWS, ['--concurrency', '2', '--journal', join(small, 'j.jsonl')]);
        const out = await bin([...args, '--results', 'first.jsonl']);
        expect(out.code, out.stderr).toBe(6);
        expect(out.stderr).toMatch(/The batch stopped: the journal could not be written \(.*ENOSPC.*\)/);
        expect(out.stderr).toMatch(/To finish it .*:\n {2}plivo-send sms .*--resume\n/);
        expect(out.stderr).not.toMatch(/Internal error/);
        const first = jsonLines(readFileSync(join(dir, 'first.jsonl'), 'utf8'));
        expect(first).toHaveLength(ROWS);
        expect(server.posts().length).toBeLessThan(ROWS);
        for (const r of first.filter((r) => r.status === 'sent')) expect(postsTo(r.dst as string), `row ${String(r.row)}`).toHaveLength(1);

        expect(spawnSync('mount', ['-o', 'remount,size=4m', small]).status).toBe(0);
        const resumed = await bin([...args, '--resume', '--timeout', '1', '--results', 'resumed.jsonl']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expectEachRowSentOnce(ROWS);
      } finally {
        spawnSync('umount', [small]);
      }
    },
    120_000,
  );

  it('a read-only journal on --resume: "cannot write the journal", exit 1, nothing sent', async () => {
    const args = batchArgs(3, ['--journal', 'j.jsonl']);
    expect((await bin(args)).code).toBe(0);
    server.reset();
    chmodSync(join(dir, 'j.jsonl'), 0o444);
    // Root writes through any mode: run as nobody when the tests run as root.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    chmodSync(dir, 0o777);
    chmodSync(env.HOME!, 0o777);
    const out = await bin([...args, '--resume'], asUser);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('Cannot write the journal j.jsonl: permission denied (EACCES). Nothing was sent.');
    expect(out.stderr).toContain('chmod u+w j.jsonl');
    expect(out.stderr).not.toMatch(/Internal error/);
    expect(server.requests).toHaveLength(0);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
  });

  it('a journal in a read-only directory on --resume: the lock cannot be taken, said plainly, exit 1, nothing sent', async () => {
    const args = batchArgs(3, ['--journal', 'j.jsonl']);
    expect((await bin(args)).code).toBe(0);
    server.reset();
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    chmodSync(env.HOME!, 0o777);
    chmodSync(join(dir, 'j.jsonl'), 0o666);
    chmodSync(dir, 0o555);
    const out = await bin([...args, '--resume'], asUser);
    chmodSync(dir, 0o755);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('Cannot create the lock file j.jsonl.lock: permission denied (EACCES). Nothing was sent.');
    expect(out.stderr).not.toMatch(/Internal error/);
    expect(server.requests).toHaveLength(0);
  });
});
