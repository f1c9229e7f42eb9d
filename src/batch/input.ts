/**
 * The `--csv` input, readable twice: a send reads it once for the plan (and confirmation) and
 * again to send. A file is simply reopened. Stdin can be read only once, so the first pass copies
 * it to a spool file (private temp directory, mode 0600, deleted at the end) as it streams, and
 * the second pass reads the spool. Memory stays flat either way; the spool costs one disk copy.
 * A run killed with SIGKILL cannot delete its spool: the directory's name holds the host name and
 * the pid, and the next run that spools deletes those of this host whose process is gone.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { Io } from '../io.js';
import { pidIsAlive } from './lock.js';

export class CsvInput {
  /** How messages name the input: the path as given, or "stdin". */
  readonly name: string;
  private readonly path: string | undefined;
  private spoolDir: string | undefined;
  private spoolPath: string | undefined;
  private spoolDone: Promise<void> | undefined;
  private stdinUsed = false;

  constructor(
    readonly spec: string,
    private readonly io: Io,
  ) {
    this.path = spec === '-' ? undefined : resolve(io.cwd, spec);
    this.name = spec === '-' ? 'stdin' : spec;
  }

  get isStdin(): boolean {
    return this.path === undefined;
  }

  /**
   * A fresh stream of the input. `keep`: the input will be read again, so stdin is spooled.
   */
  async open(keep: boolean): Promise<Readable> {
    if (this.path !== undefined) return createReadStream(this.path, { highWaterMark: 1 << 16 });
    if (this.stdinUsed) {
      if (this.spoolPath === undefined) throw new Error('stdin was read once without a spool');
      await this.spoolDone;
      return createReadStream(this.spoolPath, { highWaterMark: 1 << 16 });
    }
    this.stdinUsed = true;
    if (!keep) return this.io.stdin;
    await removeStaleSpools(tmpdir());
    this.spoolDir = await mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${spoolHost()}-${process.pid}-`));
    this.spoolPath = join(this.spoolDir, 'stdin.csv');
    const spool = createWriteStream(this.spoolPath, { mode: 0o600, flags: 'wx' });
    this.spoolDone = new Promise((resolveDone, reject) => {
      spool.on('close', resolveDone);
      spool.on('error', reject);
    });
    return this.io.stdin.pipe(teeTo(spool));
  }

  async dispose(): Promise<void> {
    if (this.spoolDir !== undefined) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

const SPOOL_PREFIX = 'plivo-send-csv-';
/** `plivo-send-csv-<host>-<pid>-<6 random characters from mkdtemp>`. */
const SPOOL_NAME = /^plivo-send-csv-(.+)-(\d+)-[A-Za-z0-9]{6}$/;
/** A spool younger than this is never removed, whatever its pid seems to say. */
const SPOOL_MIN_AGE_MS = 60_000;

/** This host's name as it appears in spool names. */
function spoolHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_');
}

/**
 * Deletes the spool directories in `dir` left by runs that were killed: those of this user and
 * this host whose pid is no longer running, and that are at least a minute old. A pid is only
 * meaningful in its own PID namespace: a container sharing /tmp (another host name) would see a
 * live run's pid as dead, hence the host name; the age guards against a namespace that shares
 * the host name too. A pid that is running again (reused) keeps its directory. Best effort: a
 * spool that cannot be checked is left alone.
 */
export async function removeStaleSpools(dir: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const host = spoolHost();
  for (const name of names) {
    const [, spoolHostName, pidText] = SPOOL_NAME.exec(name) ?? [];
    const pid = Number(pidText);
    if (spoolHostName !== host || !Number.isSafeInteger(pid) || pid === process.pid || pidIsAlive(pid)) continue;
    const path = join(dir, name);
    try {
      const info = await lstat(path);
      if (info.isDirectory() && info.uid === process.getuid?.() && now - info.mtimeMs >= SPOOL_MIN_AGE_MS) await rm(path, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/** Passes chunks through after writing them to `spool`, waiting for it when it is behind. */
function teeTo(spool: WriteStream): Transform {
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (spool.write(chunk)) callback(null, chunk);
      else spool.once('drain', () => callback(null, chunk));
    },
    flush(callback) {
      spool.end(() => callback());
    },
    destroy(error, callback) {
      if (!spool.closed) spool.destroy();
      callback(error);
    },
  });
  // A spool that cannot be written (disk full) fails the read instead of stalling it.
  spool.on('error', (error) => tee.destroy(error));
  return tee;
}
