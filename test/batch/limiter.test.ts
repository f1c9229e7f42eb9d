import { describe, expect, it } from 'vitest';
import { Limiter, RateWindow, Semaphore, StopSignal, type Clock } from '../../src/batch/limiter.js';

/** A clock that only moves when something sleeps: tests run instantly and deterministically. */
function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** The largest number of starts inside any half-open window [s, s + windowMs). */
function maxInWindow(starts: number[], windowMs = 1000): number {
  let max = 0;
  for (let i = 0, j = 0; j < starts.length; j++) {
    while (starts[j]! - starts[i]! >= windowMs) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

async function grant(limiter: Limiter, clock: { now(): number }, n: number): Promise<number[]> {
  const starts: number[] = [];
  await Promise.all(Array.from({ length: n }, () => limiter.acquire().then(() => starts.push(clock.now()))));
  return starts.sort((a, b) => a - b);
}

describe('RateWindow: no more than --rate starts in any one-second window', () => {
  it.each([1, 3, 10, 60])('rate %d', async (rate) => {
    const clock = fakeClock();
    const limiter = new Limiter(new RateWindow({ rate, guardMs: 0 }), clock, new StopSignal());
    const starts = await grant(limiter, clock, rate * 5 + 1);
    expect(maxInWindow(starts)).toBe(rate);
    // …and it is not slower than it must be: rate·5 + 1 starts end at 5 s exactly.
    expect(starts.at(-1)).toBe(5000);
  });

  it('does not allow the double burst a token bucket allows at a window edge', () => {
    const w = new RateWindow({ rate: 10, guardMs: 0 });
    for (let i = 0; i < 10; i++) w.record(999);
    expect(w.delay(1000)).toBe(999); // a bucket would refill at t = 1000; the window says 1999
    expect(w.delay(1999)).toBe(0);
  });

  it('a fractional rate keeps under itself: 2.5/s allows 2 per second; 0.5/s one per 2 s', async () => {
    for (const [rate, windowMs, max] of [
      [2.5, 1000, 2],
      [0.5, 2000, 1],
    ] as const) {
      const clock = fakeClock();
      const limiter = new Limiter(new RateWindow({ rate, guardMs: 0 }), clock, new StopSignal());
      const starts = await grant(limiter, clock, 9);
      expect(maxInWindow(starts, windowMs)).toBe(max);
    }
  });

  it('keeps the guard margin between windows', async () => {
    const clock = fakeClock();
    const limiter = new Limiter(new RateWindow({ rate: 5, guardMs: 25 }), clock, new StopSignal());
    const starts = await grant(limiter, clock, 11);
    expect(maxInWindow(starts, 1025)).toBe(5);
  });
});

describe('AIMD on 429', () => {
  it('halves the rate once per window, never below 1/s, and climbs back by a tenth per second of successes', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    w.onRateLimited(0);
    expect(w.rate).toBe(30);
    w.onRateLimited(10); // the same burst of 429s: one decrease
    expect(w.rate).toBe(30);
    for (let t = 1000; t <= 6000; t += 1000) w.onRateLimited(t);
    expect(w.rate).toBe(1);
    w.onSuccess(6500); // less than a second after the last decrease
    expect(w.rate).toBe(1);
    for (let t = 7000; t <= 20_000; t += 1000) w.onSuccess(t);
    expect(w.rate).toBe(60);
  });

  it('the window holds while the rate is lowered: ≤ floor(rate) starts per second', async () => {
    const clock = fakeClock();
    const window = new RateWindow({ rate: 20, guardMs: 0 });
    const limiter = new Limiter(window, clock, new StopSignal());
    const before = await grant(limiter, clock, 20);
    limiter.onRateLimited(); // → 10/s
    const after = await grant(limiter, clock, 30);
    expect(maxInWindow(before.concat(after))).toBe(20);
    expect(maxInWindow(after.filter((t) => t >= 1000))).toBe(10);
  });

  it('honours Retry-After for every request', () => {
    const w = new RateWindow({ rate: 10, guardMs: 0 });
    w.onRateLimited(100, 3000);
    expect(w.delay(100)).toBe(3000);
    expect(w.delay(3100)).toBe(0);
  });
});

describe('Limiter and Semaphore', () => {
  it('a stopped limiter grants nothing more', async () => {
    const stop = new StopSignal();
    const limiter = new Limiter(new RateWindow({ rate: 1, guardMs: 0 }), fakeClock(), stop);
    expect(await limiter.acquire()).toBe(true);
    stop.stop();
    expect(await limiter.acquire()).toBe(false);
  });

  it('the semaphore bounds holders and hands the slot to the next waiter', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    let third = false;
    const waiting = s.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    s.release();
    await waiting;
    expect(third).toBe(true);
    expect(s.inUse).toBe(2);
  });
});
