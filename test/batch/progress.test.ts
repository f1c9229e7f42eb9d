import { describe, expect, it } from 'vitest';
import type { Output } from '../../src/output.js';
import { RateMeter, startProgress } from '../../src/batch/progress.js';

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

describe('the progress rate', () => {
  it('never shows more than the real rate when answers land in bursts', async () => {
    // --concurrency 10 and 1 s answers: 10 rows finish together every second, 10 rows/s.
    const lines: string[] = [];
    const out = { io: { stderr: { write: () => true, isTTY: false } }, json: true, note: (line: string) => lines.push(line) } as unknown as Output;
    let now = 0;
    const progress = await startProgress(out, 1000, () => now);
    const meter = new RateMeter(0);
    for (let second = 1; second <= 30; second++) {
      now = second * 1000;
      for (let i = 1; i <= 10; i++) {
        progress.update((second - 1) * 10 + i);
        meter.record((second - 1) * 10 + i, now);
        expect(meter.rate(now)).toBeLessThanOrEqual(10);
      }
    }
    const shown = lines.map((line) => (JSON.parse(line) as { progress: { rate: number } }).progress.rate);
    expect(shown.length).toBeGreaterThan(0);
    for (const rate of shown) expect(rate).toBeLessThanOrEqual(10);
  });

  it('measures a fast batch right: rows finishing by the thousand a second, merged into fewer samples', () => {
    const meter = new RateMeter(0);
    // 2,000 rows a second for 15 s, one row every half millisecond.
    for (let done = 1; done <= 30_000; done++) meter.record(done, done / 2);
    // A merged sample counts its rows a little early, never late: the rate may read up to one
    // sample's worth (100 ms of 10 s) low, never high.
    const within = (rate: number, real: number) => expect(rate >= real * 0.99 && rate <= real, `${rate} for ${real}`).toBe(true);
    within(meter.rate(15_000), 2000);
    // Nothing more for 5 s: the window spans from its last sample before 10 s ago (5 s, 10,000
    // rows done) to now, so 20,000 rows in 15 s.
    within(meter.rate(20_000), 20_000 / 15);
  });

  it('falls during a pause (a 429 backoff) and after it, instead of keeping the average since the start', async () => {
    const lines: string[] = [];
    const out = { io: { stderr: { write: () => true, isTTY: false } }, json: false, note: (line: string) => lines.push(line) } as unknown as Output;
    let now = 0;
    const progress = await startProgress(out, 10_000, () => now);
    const meter = new RateMeter(0);
    // 20 s at 10 rows/s…
    for (let done = 1; done <= 200; done++) {
      now = done * 100;
      meter.record(done, now);
      progress.update(done);
    }
    expect(meter.rate(20_000)).toBeCloseTo(10);
    // …then 20 s with nothing finished: the rate falls while it lasts…
    expect(meter.rate(25_000)).toBeCloseTo(100 / 15);
    expect(meter.rate(30_000)).toBeCloseTo(5);
    // …and the first row after it shows the window's rate, far below the average since the start.
    now = 40_000;
    meter.record(201, now);
    progress.update(201);
    expect(meter.rate(now)).toBeCloseTo(1 / 20); // the average since the start would say 5/s
    expect(lines.at(-1)).toBe('plivo-send: 201/10,000 rows · 0.1/s · ETA 54 h 26 min');
  });
});
