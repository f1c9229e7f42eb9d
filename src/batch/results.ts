/**
 * Per-row results: one line per input row, in input order, as JSON Lines or CSV (`--results`)
 * and as JSON Lines on stdout with `--json`. Rows finish out of order, so a reorder buffer keyed by
 * row number holds the early finishers until every row before them is done; the dispatcher stops
 * taking rows when the buffer runs `maxAhead` rows ahead, so memory stays bounded.
 */
import { createWriteStream, fchmodSync, fstatSync, openSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import type { OutStream } from '../io.js';

export type RowStatus = 'sent' | 'failed' | 'invalid' | 'unknown';

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

export const CSV_COLUMNS = ['row', 'dst', 'status', 'message_uuid', 'segments', 'attempts', 'error'] as const;

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

export function csvHeaderLine(): string {
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

/**
 * A `--results` file (0600: it holds phone numbers): JSON Lines, or CSV for `.csv`. A write that
 * fails (disk full, a file size limit) is reported once to `onFailure` and by `close`; the lines
 * after it are dropped.
 */
export class ResultsFile {
  private readonly stream: WriteStream;
  private readonly writer: LineWriter;
  private readonly csv: boolean;
  private failure: Error | undefined;
  private flushedAt = Date.now();
  private closing: Promise<Error | undefined> | undefined;

  /** Opens the file at once, so that a bad path fails before anything is sent. */
  constructor(
    path: string,
    private readonly onFailure: (error: Error) => void = () => undefined,
  ) {
    this.csv = path.toLowerCase().endsWith('.csv');
    const fd = openSync(path, 'w', 0o600);
    // open() keeps the mode of a file that exists; a device (/dev/stdout) is left alone.
    if (fstatSync(fd).isFile()) fchmodSync(fd, 0o600);
    this.stream = createWriteStream(path, { fd, highWaterMark: 1 << 16 });
    this.stream.on('error', (error) => this.fail(error));
    this.writer = new LineWriter(this.stream);
    if (this.csv) this.writer.write(csvHeaderLine());
  }

  write(r: RowResult): void {
    this.writer.write(this.csv ? resultCsvLine(r) : `${JSON.stringify(resultObject(r))}\n`);
    const now = Date.now();
    if (now - this.flushedAt >= FLUSH_EVERY_MS) {
      this.flushedAt = now;
      this.writer.flush();
    }
  }

  ready(): Promise<void> | undefined {
    return this.writer.ready();
  }

  /** Writes what is left and closes the file; resolves to the first write error, if any. */
  close(): Promise<Error | undefined> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<Error | undefined> {
    this.writer.flush();
    this.stream.end();
    await finished(this.stream).catch((error: Error) => this.fail(error));
    return this.failure;
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
