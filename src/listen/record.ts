/**
 * `listen --out`: events appended as JSON lines, each written whole in one write and fsynced
 * before Plivo is answered, so the file can be read (`tail -f`, `report --events`) while it grows
 * and a callback Plivo saw answered is on disk. Repeats of an event (Plivo's retries) are written
 * once, also across runs appending to the same file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { eventKey, SeenEvents, type ListenEvent } from './events.js';

export class EventRecorder {
  private readonly seen = new SeenEvents();
  private fd: number | undefined;
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
    this.fd = openSync(path, 'a');
    // A line cut short (a crash mid-write, a full disk) must not swallow the next event.
    if (existing !== '' && !existing.endsWith('\n')) this.write('\n');
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
    fsyncSync(fd);
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
