/** `listen --out` holds phone numbers and message texts: the file is private (0600), like --results. */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventRecorder } from '../../src/listen/record.js';
import type { ListenEvent } from '../../src/listen/events.js';

const event: ListenEvent = { event: 'inbound', received_at: '2025-01-01T00:00:00.000Z', MessageUUID: 'u-1', From: '14155550101', Text: 'Hi' };
const mode = (path: string) => statSync(path).mode & 0o777;

describe('EventRecorder: the --out file is readable only by the user', () => {
  it('a new file is created 0600 (whatever the umask)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'plivo-send-out-')), 'events.jsonl');
    const previous = process.umask(0o022);
    try {
      const recorder = new EventRecorder(path);
      recorder.record(event);
      recorder.close();
      expect(recorder.warnings).toEqual([]);
    } finally {
      process.umask(previous);
    }
    expect(mode(path)).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(event);
  });

  it('an existing file others can read (0644) is made 0600, keeping what it holds', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'plivo-send-out-')), 'events.jsonl');
    const before = `${JSON.stringify({ ...event, MessageUUID: 'u-0' })}\n`;
    writeFileSync(path, before);
    chmodSync(path, 0o644);
    const recorder = new EventRecorder(path);
    recorder.record(event);
    recorder.close();
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`${before}${JSON.stringify(event)}\n`);
  });

  it('a device (/dev/null) is left as it is, and written to (no fsync, which a device refuses)', () => {
    const before = mode('/dev/null');
    const recorder = new EventRecorder('/dev/null');
    recorder.record(event);
    recorder.close();
    expect(mode('/dev/null')).toBe(before);
    expect(recorder.warnings).toEqual([]);
  });
});
