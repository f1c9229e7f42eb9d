/**
 * `listen --out`: events appended as JSON lines, each written whole in one write and fsynced
 * before Plivo is answered, so the file can be read (`tail -f`, `report --events`) while it grows
 * and a callback Plivo saw answered is on disk. Repeats of an event (Plivo's retries) are written
 * once, also across runs appending to the same file.
 */
import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { describeSystemError } from '../errors.js';
import { eventKey, SeenEvents, type ListenEvent } from './events.js';

export class EventRecorder {
  private readonly seen = new SeenEvents();
  /** What the caller should tell the user about the file. */
  readonly warnings: string[] = [];
  private fd: number | undefined;
  /** A regular file (else a device or a pipe, never fsynced). */
  private regular = false;
  /** A write failed part-way: the next one starts on a new line. */
  private cutShort = false;

  /** Opens (creates) `path` for appending and learns the events it already holds. */
  constructor(private readonly path?: string) {
    if (path === undefined) return;
    let existing = '';
    try {
      existing = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of existing.split('\n')) {
      const key = keyOfLine(line);
      if (key !== undefined) this.seen.add(key);
    }
    // Phone numbers and message texts: readable only by the user, like --results and the journal.
    this.fd = openSync(path, 'a', 0o600);
    this.makePrivate(path);
    // A line cut short (a crash mid-write, a full disk) must not swallow the next event.
    if (existing !== '' && !existing.endsWith('\n')) this.write('\n');
  }

  /**
   * An existing file others can read is made 0600 (open() keeps the mode of a file that exists); a
   * device or pipe (/dev/stdout) is left alone, and so is a file we may not change, with a warning.
   */
  private makePrivate(path: string): void {
    const info = fstatSync(this.fd!);
    this.regular = info.isFile();
    if (!this.regular || (info.mode & 0o077) === 0) return;
    try {
      fchmodSync(this.fd!, 0o600);
    } catch (error) {
      this.warnings.push(
        `--out ${path} can be read by others (mode ${(info.mode & 0o777).toString(8)}) and could not be made private (${describeSystemError(error)}); it will hold phone numbers and message texts.`,
      );
    }
  }

  /** Appends the event unless it is a repeat; answers whether it was new. Throws when the file cannot be written. */
  record(event: ListenEvent): boolean {
    const key = eventKey(event);
    if (key !== undefined && !this.seen.add(key)) return false;
    try {
      if (this.fd !== undefined) this.write(`${this.cutShort ? '\n' : ''}${JSON.stringify(event)}\n`);
      this.cutShort = false;
    } catch (error) {
      this.cutShort = true;
      // Not recorded: forget it, so that Plivo's retry is taken.
      if (key !== undefined) this.seen.forget(key);
      throw error;
    }
    return true;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(text: string): void {
    const fd = this.fd!;
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done);
    // fsync is for files: a device or a pipe (/dev/null, a FIFO) refuses it (EINVAL).
    if (this.regular) fsyncSync(fd);
  }
}

function keyOfLine(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? eventKey(value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
