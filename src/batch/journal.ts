/**
 * The write-ahead journal behind `--journal` / `--resume`: JSON Lines, mode 0600, never the auth
 * token. Line 1 is a header naming the account and a hash of every option that shapes a request
 * body; then one record per state change of a row:
 *
 *   {"t":"inflight","row":7,"at":"2025-01-02T03:04:05.678Z","hash":"<sha256/16 of the body>","dst":"14155550107"}
 *   {"t":"sent","row":7,"uuids":["…"],"attempts":1}              (found: true when found by a lookup)
 *   {"t":"failed","row":7,"error":"…","attempts":1}              (Plivo certainly did not queue it)
 *   {"t":"unknown","row":7,"error":"…","attempts":1}             (it may have been queued)
 *   {"t":"resume","at":"…"}                                      (a resumed run starts appending)
 *
 * The guarantee: a row's `inflight` record is written and fsynced BEFORE its first request is
 * handed to the network, and a row's result is reported (results file, stdout) only AFTER its
 * outcome record is fsynced. So after any crash (kill -9, power loss) every row whose request may
 * have reached Plivo has at least an `inflight` record with a time no later than that request, and
 * a row without a record was certainly never sent. A crash can only tear the last line (records
 * are appended in order, one write per group); `loadJournal` drops a torn tail. Records that are
 * ready together share one write + fsync (group commit): throughput does not pay one fsync per
 * row, but no request ever waits on anything other than its own record being durable.
 *
 * The input's integrity: a stream cannot be hashed before it is read, so instead each `inflight`
 * record carries a hash of the row's exact request body, and a resume refuses to go on when a
 * row the journal knows renders to a different body (different CSV, template or options).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream, closeSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError, describeSystemError, ExitCode } from '../errors.js';
import { hash32 } from './hash.js';

export const JOURNAL_FORMAT = 'plivo-send batch journal';
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  journal: typeof JOURNAL_FORMAT;
  version: typeof JOURNAL_VERSION;
  created: string;
  type: string;
  /** The Plivo account (auth ID; never the token) and API origin the rows were sent to. */
  account: string;
  api_url: string;
  /** SHA-256/16 of `options`: everything besides the CSV that shapes a request body. */
  options_hash: string;
  options: Record<string, unknown>;
  csv: string;
}

export type JournalRecord =
  /**
   * `plivo`: what Plivo's clock read minus this machine's at `at` (ms, lowest and highest), when
   * the run knew it: a resume compares Plivo's record times with the attempt in Plivo's own time,
   * whatever this machine's clock did in between.
   */
  | { t: 'inflight'; row: number; at: string; hash: string; dst: string; plivo?: [number, number] }
  | { t: 'sent'; row: number; uuids: string[]; attempts: number; found?: true }
  | { t: 'failed'; row: number; error: string; attempts: number }
  | { t: 'unknown'; row: number; error: string; attempts: number }
  | { t: 'resume'; at: string };

/** A journal problem that stops the batch before anything is sent (exit 1). */
export class JournalError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalid, code: 'journal', hint });
  }
}

/**
 * Appends records with group commit. `write` resolves once the record is on disk (fsync); all
 * records queued while a flush runs go out together in the next one.
 */
export class JournalWriter {
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly handle: FileHandle) {}

  /** Creates a new journal (refusing to overwrite one) with its header, durable before return. */
  static async create(path: string, header: JournalHeader): Promise<JournalWriter> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'ax', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new JournalError(`The journal ${path} already exists.`, 'Add --resume to continue the batch it records, or give --journal a new path.');
      throw new JournalError(
        `Cannot create the journal ${path}: ${describeSystemError(error)}. Nothing was sent.`,
        'Give --journal a path in a directory you can write to.',
      );
    }
    const writer = new JournalWriter(handle);
    await writer.write(header);
    await syncDirectory(dirname(path));
    return writer;
  }

  /** Opens an existing journal for appending after cutting a torn last line at `validBytes`. */
  static async append(path: string, validBytes: number): Promise<JournalWriter> {
    const handle = await open(path, 'r+');
    const { size } = await handle.stat();
    if (size > validBytes) {
      await handle.truncate(validBytes);
      await handle.sync();
    }
    await handle.close();
    return new JournalWriter(await open(path, 'a', 0o600));
  }

  write(record: JournalRecord | JournalHeader): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push(`${JSON.stringify(record)}\n`);
      this.waiters.push({ resolve, reject });
      // The flush starts once the records being written now are all queued (setImmediate runs
      // after every pending promise reaction): the first 50 rows of a batch then share one fsync,
      // where an immediate flush took the first alone and made the other 49 wait for a second.
      this.flushing ??= new Promise<void>((started) => setImmediate(started)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const data = Buffer.from(this.pending.join(''));
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        for (let offset = 0; offset < data.length;) {
          const { bytesWritten } = await this.handle.write(data, offset);
          offset += bytesWritten;
        }
        await this.handle.sync();
        for (const w of waiters) w.resolve();
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        for (const w of waiters) w.reject(error);
        for (const w of this.waiters) w.reject(error);
        this.waiters = [];
        this.pending = [];
      }
    }
    this.flushing = undefined;
  }

  /**
   * Marks the journal as written now (its mtime), without a record: requests are about to go out
   * again after a pause in which nothing was journalled, and a resume times its wait before
   * lookups from the journal's last write.
   */
  async touch(): Promise<void> {
    if (this.closed || this.failure !== undefined) return;
    const now = new Date();
    await this.handle.utimes(now, now);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }
}

/** fsync on the directory makes a newly created file's name durable too (Linux, macOS). */
async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Not supported everywhere (Windows); the file's own fsync still holds its content.
  } finally {
    await handle?.close();
  }
}

export const RowState = { none: 0, inflight: 1, sent: 2, failed: 3, unknown: 4 } as const;
export type RowState = (typeof RowState)[keyof typeof RowState];

/**
 * What a journal says about each row, in typed arrays indexed by row (about 36 bytes a row:
 * 1,000,000 rows take ~36 MB), not objects. The uuids of a sent row stay in the file: the index
 * keeps the byte range of its `sent` record and `readSent` reads it back when needed.
 */
export class JournalIndex {
  state = new Uint8Array(1024);
  private hashHi = new Uint32Array(1024);
  private hashLo = new Uint32Array(1024);
  private at = new Float64Array(1024);
  /**
   * The row's destination: hash32 of its number; for a row to several numbers (`multi`), a 32-bit
   * Bloom signature of all of them (see `numberBits`).
   */
  private dstHash = new Uint32Array(1024);
  private multi = new Uint8Array(1024);
  private sentOffset = new Float64Array(1024);
  private sentLength = new Uint32Array(1024);
  /**
   * Plivo's clock: each run (the first, then one per `resume` record) measured its offset from
   * this machine's clock, more narrowly as its answers came in; the narrowest bounds it reached
   * hold for all its rows while neither clock was stepped (`stepped`: its rows disagree).
   */
  private run = new Uint16Array(1024);
  private runs: Array<{ lo: number; hi: number; stepped: boolean }> = [{ lo: -Infinity, hi: Infinity, stepped: false }];
  /** Highest row number the journal mentions. */
  maxRow = 0;
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private ensure(row: number): void {
    if (row < this.state.length) return;
    let size = this.state.length;
    while (size <= row) size *= 2;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.state = grow(this.state, (n) => new Uint8Array(n));
    this.hashHi = grow(this.hashHi, (n) => new Uint32Array(n));
    this.hashLo = grow(this.hashLo, (n) => new Uint32Array(n));
    this.at = grow(this.at, (n) => new Float64Array(n));
    this.dstHash = grow(this.dstHash, (n) => new Uint32Array(n));
    this.multi = grow(this.multi, (n) => new Uint8Array(n));
    this.sentOffset = grow(this.sentOffset, (n) => new Float64Array(n));
    this.sentLength = grow(this.sentLength, (n) => new Uint32Array(n));
    this.run = grow(this.run, (n) => new Uint16Array(n));
  }

  /** Applies one record (the last record of a row decides its state). */
  apply(record: JournalRecord, offset: number, length: number): void {
    if (record.t === 'resume') {
      this.runs.push({ lo: -Infinity, hi: Infinity, stepped: false });
      return;
    }
    const row = record.row;
    this.ensure(row);
    if (row > this.maxRow) this.maxRow = row;
    switch (record.t) {
      case 'inflight':
        this.state[row] = RowState.inflight;
        this.hashHi[row] = parseInt(record.hash.slice(0, 8), 16) >>> 0;
        this.hashLo[row] = parseInt(record.hash.slice(8, 16), 16) >>> 0;
        this.at[row] = Date.parse(record.at);
        this.run[row] = Math.min(this.runs.length - 1, 0xffff);
        if (record.plivo !== undefined) this.narrow(this.runs[this.run[row]]!, record.plivo);
        if (record.dst.includes('<')) {
          let signature = 0;
          for (const number of record.dst.split('<')) signature |= numberBits(hash32(number));
          this.dstHash[row] = signature >>> 0;
          this.multi[row] = 1;
        } else {
          this.dstHash[row] = hash32(record.dst);
          this.multi[row] = 0;
        }
        break;
      case 'sent':
        this.state[row] = RowState.sent;
        this.sentOffset[row] = offset;
        this.sentLength[row] = length;
        break;
      case 'failed':
        this.state[row] = RowState.failed;
        break;
      case 'unknown':
        this.state[row] = RowState.unknown;
        break;
    }
  }

  stateOf(row: number): RowState {
    return row < this.state.length ? (this.state[row] as RowState) : RowState.none;
  }

  /** Whether the body hash journalled for `row` is `hash` (16 hex digits). */
  hashMatches(row: number, hash: string): boolean {
    return this.hashHi[row] === parseInt(hash.slice(0, 8), 16) >>> 0 && this.hashLo[row] === parseInt(hash.slice(8, 16), 16) >>> 0;
  }

  attemptTime(row: number): Date {
    return new Date(this.at[row]!);
  }

  /** The attempt's time on Plivo's clock (lowest and highest ms), as its run measured it. */
  attemptOnPlivoClock(row: number): { lo: number; hi: number } | undefined {
    const run = this.runs[this.run[row]!];
    if (run === undefined || run.stepped || !Number.isFinite(run.lo) || !Number.isFinite(run.hi)) return undefined;
    return { lo: this.at[row]! + run.lo, hi: this.at[row]! + run.hi };
  }

  private narrow(run: { lo: number; hi: number; stepped: boolean }, [lo, hi]: [number, number]): void {
    if (run.stepped) return;
    run.lo = Math.max(run.lo, lo);
    run.hi = Math.min(run.hi, hi);
    if (run.lo > run.hi) run.stepped = true;
  }

  /** The `sent` record of a row, read back from the file. */
  readSent(row: number): { uuids: string[]; attempts: number } {
    const length = this.sentLength[row]!;
    const buffer = Buffer.alloc(length);
    this.fd ??= openSync(this.path, 'r');
    readSync(this.fd, buffer, 0, length, this.sentOffset[row]!);
    const record = JSON.parse(buffer.toString('utf8')) as { uuids: string[]; attempts: number };
    return { uuids: record.uuids, attempts: record.attempts };
  }

  /**
   * Uuids of the journalled sent rows to each of `numbers` (single numbers; one scan of the
   * index): a resume lookup must not take another row's message to the same number for the row
   * it checks, and a row to `A<B` has a message to A just as a row to `A` does.
   */
  uuidsSentTo(numbers: readonly string[]): Map<string, Set<string>> {
    const byHash = new Map<number, string[]>();
    const bits: Array<{ mask: number; number: string }> = [];
    for (const number of new Set(numbers)) {
      const h = hash32(number);
      byHash.set(h, [...(byHash.get(h) ?? []), number]);
      bits.push({ mask: numberBits(h), number });
    }
    const found = new Map<string, Set<string>>(numbers.map((d) => [d, new Set<string>()]));
    for (let row = 1; row <= this.maxRow; row++) {
      if (this.state[row] !== RowState.sent) continue;
      const h = this.dstHash[row]!;
      // A false match (a hash collision, or a Bloom signature that happens to hold a number's
      // bits) only adds uuids of messages to other numbers, which a lookup of that number never
      // returns: harmless. A row's own numbers always match.
      const candidates = this.multi[row] === 1 ? bits.filter((b) => (h & b.mask) >>> 0 === b.mask).map((b) => b.number) : byHash.get(h);
      if (candidates === undefined || candidates.length === 0) continue;
      const { uuids } = this.readSent(row);
      for (const number of candidates) for (const uuid of uuids) found.get(number)!.add(uuid);
    }
    return found;
  }
}

/** A number's three bits in a row's 32-bit Bloom signature, from its hash32. */
function numberBits(h: number): number {
  return ((1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31))) >>> 0;
}

export interface LoadedJournal {
  header: JournalHeader;
  index: JournalIndex;
  /** Bytes up to the end of the last complete record: a torn tail after it is cut off. */
  validBytes: number;
}

/** Reads a journal line by line (constant memory besides the index). */
export async function loadJournal(path: string): Promise<LoadedJournal> {
  const index = new JournalIndex(path);
  let header: JournalHeader | undefined;
  let offset = 0;
  let validBytes = 0;
  let line = 0;
  let badLine: number | undefined;
  let carry: Buffer | undefined;
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        line++;
        const text = data.toString('utf8', start, nl);
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          record = undefined;
        }
        if (record === undefined || typeof record !== 'object' || record === null) {
          badLine ??= line;
        } else if (badLine !== undefined) {
          throw new JournalError(
            `The journal ${path} is damaged at line ${badLine}: it is not a JSON record, yet records follow it.`,
            'It was not written by plivo-send, or was edited. Do not resume from it; check the rows against the Plivo console.',
          );
        } else if (line === 1) {
          header = record as JournalHeader;
          if (header.journal !== JOURNAL_FORMAT) throw new JournalError(`${path} is not a plivo-send journal.`);
          // A header read from disk may hold any version, whatever its declared type says.
          const version: unknown = header.version;
          if (version !== JOURNAL_VERSION)
            throw new JournalError(`The journal ${path} has format version ${String(version)}; this plivo-send reads version ${JOURNAL_VERSION}.`);
        } else if (isRecord(record)) {
          index.apply(record, offset + start, nl - start);
        } else {
          throw new JournalError(
            `The journal ${path} has an unexpected record at line ${line}.`,
            'It was not written by this version of plivo-send, or was edited. Do not resume from it.',
          );
        }
        if (badLine === undefined) validBytes = offset + nl + 1;
        start = nl + 1;
      }
      carry = start < data.length ? data.subarray(start) : undefined;
      offset += start;
    }
  } catch (error) {
    if (error instanceof JournalError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new JournalError(
        `There is no journal at ${path} to resume.`,
        'Give the --journal path of the interrupted batch, or drop --resume to start a new batch.',
      );
    throw new JournalError(`Cannot read the journal ${path}: ${describeSystemError(error)}.`);
  }
  if (!header) throw new JournalError(`The journal ${path} is empty or has no header.`, 'Drop --resume and start the batch with a new --journal path.');
  return { header, index, validBytes };
}

const MAX_ROW = 100_000_000;

function isRecord(value: object): value is JournalRecord {
  const r = value as { t?: unknown; row?: unknown; at?: unknown; hash?: unknown; dst?: unknown; uuids?: unknown };
  if (r.t === 'resume') return true;
  if (typeof r.row !== 'number' || !Number.isInteger(r.row) || r.row < 1 || r.row > MAX_ROW) return false;
  switch (r.t) {
    case 'inflight': {
      const plivo = (value as { plivo?: unknown }).plivo;
      const bounds = plivo === undefined || (Array.isArray(plivo) && plivo.length === 2 && plivo.every((x) => typeof x === 'number' && Number.isFinite(x)));
      return bounds && typeof r.at === 'string' && typeof r.hash === 'string' && /^[0-9a-f]{16}$/.test(r.hash) && typeof r.dst === 'string';
    }
    case 'sent':
      return Array.isArray(r.uuids);
    case 'failed':
    case 'unknown':
      return true;
    default:
      return false;
  }
}
