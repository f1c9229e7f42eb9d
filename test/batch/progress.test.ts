import { describe, expect, it } from 'vitest';
import type { Output } from '../../src/output.js';
import { startProgress } from '../../src/batch/progress.js';

describe('batch progress without a terminal', () => {
  it('prints plain lines, and none after stop() (Ctrl-C: rows finishing after "Stopping")', async () => {
    const lines: string[] = [];
    const out = { io: { stderr: { write: () => true, isTTY: false } }, json: false, note: (line: string) => lines.push(line) } as unknown as Output;
    let now = 0;
    const progress = await startProgress(out, 30, () => now);
    now = 6000;
    progress.update(3);
    expect(lines).toEqual(['plivo-send: 3/30 rows · 0.5/s · ETA 54 s']);
    progress.stop();
    now = 12_000;
    progress.update(9);
    expect(lines).toHaveLength(1);
  });
});
