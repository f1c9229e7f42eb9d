/**
 * Per-row results: one line per input row, in input order, as JSON Lines or CSV (`--results`)
 * and as JSON Lines on stdout with `--json`. Rows finish out of order, so a reorder buffer keyed by
 * row number holds the early finishers until every row before them is done; the dispatcher stops
 * taking rows when the buffer runs `maxAhead` rows ahead, so memory stays bounded.
 */
import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, writeSync, type Stats } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { OutStream } from '../io.js';

type RowStatus = 'sent' | 'failed' | 'invalid' | 'unknown' | 'suppressed';

export interface RowResult {
  row: number;
  dst: string;
  status: RowStatus;
  message_uuid?: string[];
  /** Units of the text (per destination); null when the row never rendered. */
  segments: number | null;
  attempts: number;
  error?: string;
  /** Billing units (segments × destinations for SMS), for the summary; not printed. */
  units?: number;
  /** Not sent because a Ctrl-C came before the row was reached, for the summary; not printed. */
  notReached?: true;
}

/** The printed fields, in a stable order. */
export function resultObject(r: RowResult): Record<string, unknown> {
  const o: Record<string, unknown> = { row: r.row, dst: r.dst, status: r.status };
  if (r.message_uuid) o.message_uuid = r.message_uuid;
  o.segments = r.segments;
  o.attempts = r.attempts;
  if (r.error !== undefined) o.error = r.error;
  return o;
}

const CSV_COLUMNS = ['row', 'dst', 'status', 'message_uuid', 'segments', 'attempts', 'error'] as const;

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, and tab / carriage return,
 * which some spreadsheets strip first) gets a leading `'` (OWASP "CSV injection").
 */
export function neutralizeCell(value: string): string {
  if (value === '') return value;
  const c = value.charCodeAt(0);
  // = + - @ \t \r
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d ? `'${value}` : value;
}

export function resultCsvLine(r: RowResult): string {
  return stringify([
    [r.row, neutralizeCell(r.dst), r.status, neutralizeCell((r.message_uuid ?? []).join(' ')), r.segments ?? '', r.attempts, neutralizeCell(r.error ?? '')],
  ]);
}

function csvHeaderLine(): string {
  return stringify([[...CSV_COLUMNS]]);
}

type Drainable = OutStream & {
  once?: (event: 'drain', listener: () => void) => unknown;
  on?: (event: 'error', listener: (error: Error) => void) => unknown;
};

/**
 * Batches lines into large writes and respects backpressure: after a write that returned false,
 * `ready()` waits for 'drain'. Callers await `ready()` between rows. A reader that goes away
 * (EPIPE: `… | head`) sets `closed` instead of crashing the process; later lines are dropped.
 */
export class LineWriter {
  private buffer = '';
  private drain: Promise<void> | undefined;
  private release: (() => void) | undefined;
  closed = false;

  constructor(
    private readonly stream: Drainable,
    private readonly chunkSize = 1 << 16,
  ) {
    stream.on?.('error', () => {
      this.closed = true;
      this.buffer = '';
      this.release?.();
    });
  }

  write(line: string): void {
    if (this.closed) return;
    this.buffer += line;
    if (this.buffer.length >= this.chunkSize) this.flush();
  }

  flush(): void {
    if (this.buffer === '' || this.closed) return;
    const ok = this.stream.write(this.buffer);
    this.buffer = '';
    if (ok === false && typeof this.stream.once === 'function' && this.drain === undefined) {
      this.drain = new Promise<void>((resolve) => {
        this.release = resolve;
        this.stream.once!('drain', resolve);
      }).then(() => {
        this.drain = undefined;
        this.release = undefined;
      });
    }
  }

  /** Resolves at once unless the stream asked to wait. */
  ready(): Promise<void> | undefined {
    return this.drain;
  }
}

/** How long a result line may wait in the buffer: a file that cannot be written is found soon. */
const FLUSH_EVERY_MS = 1000;
const FLUSH_BYTES = 1 << 16;

export interface ResultsFileOptions {
  /**
   * Checks what the path turned out to be, before anything in it is changed; throws to refuse it
   * (a hard link or symlink to another file of the run).
   */
  check?: (info: Stats) => void;
  /**
   * Writes each row's line at once instead of batching: without a journal the results are the
   * only record, and a failed write must stop the batch before its next row is sent.
   */
  eachRow?: boolean;
  /** Told once about the first write that fails. */
  onFailure?: (error: Error) => void;
}

/**
 * A `--results` file (0600: it holds phone numbers): JSON Lines, or CSV for `.csv`. Writes are
 * synchronous, so a failure (disk full, a file size limit) is known when `write` returns; it is
 * reported once to `onFailure` and by `close`, and the lines after it are dropped.
 */
export class ResultsFile {
  private readonly csv: boolean;
  private readonly eachRow: boolean;
  private readonly onFailure: (error: Error) => void;
  private buffer = '';
  private failure: Error | undefined;
  private flushedAt = Date.now();
  private open = true;

  private constructor(
    path: string,
    private readonly fd: number,
    options: ResultsFileOptions,
  ) {
    this.csv = path.toLowerCase().endsWith('.csv');
    this.eachRow = options.eachRow === true;
    this.onFailure = options.onFailure ?? (() => undefined);
    if (this.csv) this.buffer = csvHeaderLine();
  }

  /**
   * Opens `path` at once, so that a bad path fails before anything is sent: without truncating
   * it, lets `check` refuse what it is, and only then makes it 0600 and empty. A file refused (or
   * one whose mode we may not change) keeps its contents.
   */
  static open(path: string, options: ResultsFileOptions = {}): ResultsFile {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      const info = fstatSync(fd);
      options.check?.(info);
      // open() keeps the mode of a file that exists; a device (/dev/stdout) is left alone.
      if (info.isFile()) {
        fchmodSync(fd, 0o600);
        ftruncateSync(fd, 0);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new ResultsFile(path, fd, options);
  }

  write(r: RowResult): void {
    if (this.failure || !this.open) return;
    this.buffer += this.csv ? resultCsvLine(r) : `${JSON.stringify(resultObject(r))}\n`;
    const now = Date.now();
    if (this.eachRow || this.buffer.length >= FLUSH_BYTES || now - this.flushedAt >= FLUSH_EVERY_MS) {
      this.flushedAt = now;
      this.flush();
    }
  }

  /** Writes what is left and closes the file; returns the first write error, if any. */
  close(): Error | undefined {
    if (!this.open) return this.failure;
    this.flush();
    this.open = false;
    try {
      closeSync(this.fd);
    } catch (error) {
      this.fail(error as Error);
    }
    return this.failure;
  }

  private flush(): void {
    if (this.buffer === '' || this.failure) return;
    const bytes = Buffer.from(this.buffer);
    this.buffer = '';
    try {
      for (let written = 0; written < bytes.length;) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.onFailure(error);
  }
}

/** Emits results in row order; rows are 1-based and every row must be put exactly once. */
export class ReorderBuffer {
  /** The next row to emit. */
  next = 1;
  private readonly held = new Map<number, RowResult>();
  private advanced: (() => void) | undefined;

  constructor(private readonly emit: (r: RowResult) => void) {}

  put(r: RowResult): void {
    if (r.row < this.next || this.held.has(r.row)) return;
    if (r.row !== this.next) {
      this.held.set(r.row, r);
      return;
    }
    this.emit(r);
    this.next++;
    for (let held = this.held.get(this.next); held !== undefined; held = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.emit(held);
      this.next++;
    }
    const wake = this.advanced;
    this.advanced = undefined;
    wake?.();
  }

  get size(): number {
    return this.held.size;
  }

  /** Waits until `row` is at most `maxAhead` rows past the next row to emit. */
  async waitForRoom(row: number, maxAhead: number): Promise<void> {
    while (row - this.next > maxAhead) await new Promise<void>((resolve) => (this.advanced = chain(this.advanced, resolve)));
  }
}

function chain(a: (() => void) | undefined, b: () => void): () => void {
  return a ? () => (a(), b()) : b;
}
