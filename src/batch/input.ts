/**
 * The `--csv` input, readable twice: a send reads it once for the plan (and confirmation) and
 * again to send. A file is simply reopened. Stdin can be read only once, so the first pass copies
 * it to a spool file (private temp directory, mode 0600, deleted at the end) as it streams, and
 * the second pass reads the spool. Memory stays flat either way; the spool costs one disk copy.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { Io } from '../io.js';

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
    this.spoolDir = await mkdtemp(join(tmpdir(), 'plivo-send-csv-'));
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
