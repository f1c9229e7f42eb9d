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
  await Promise.all(Array.from({ length: n }, () => limiter.start().then(() => starts.push(clock.now()))));
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

describe('429: one pause for the whole batch, AIMD once per pause', () => {
  it('a new pause halves the rate; the 429s of requests started before it neither pause again nor lower the rate', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    const burst = Array.from({ length: 10 }, () => w.record(0));
    expect(w.onRateLimited(5, burst[0]!)).toEqual({ paused: true, refusals: 1 });
    expect(w.rate).toBe(30);
    for (const epoch of burst.slice(1)) expect(w.onRateLimited(20, epoch)).toEqual({ paused: false, refusals: 1 });
    expect(w.rate).toBe(30);
    // Every request waits out the pause (1 s without Retry-After), not just the refused one.
    expect(w.delay(5)).toBe(1000);
    expect(w.delay(1005)).toBe(0);
  });

  it('pauses grow (1 s, 4 s, 16 s, 60 s at most) while nothing gets through, and reset once a request started after a pause is accepted', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    const pauses: number[] = [];
    let t = 0;
    for (let i = 0; i < 5; i++) {
      const verdict = w.onRateLimited(t, w.record(t));
      pauses.push(w.delay(t));
      expect(verdict).toEqual({ paused: true, refusals: i + 1 });
      t += w.delay(t);
    }
    expect(pauses).toEqual([1000, 4000, 16_000, 60_000, 60_000]);
    // A request started before the pauses proves nothing about them; one started after pause 4
    // (answered late) leaves one pause without progress; one started after the last, none.
    w.onSuccess(t, 0);
    expect(w.refusals).toBe(5);
    w.onSuccess(t, w.epoch - 1);
    expect(w.refusals).toBe(1);
    w.onSuccess(t, w.record(t));
    expect(w.refusals).toBe(0);
    expect(w.onRateLimited(t + 10, w.record(t + 10))).toEqual({ paused: true, refusals: 1 });
    expect(w.delay(t + 10)).toBe(1000);
  });

  it('Retry-After sets the pause, for every request, also when it comes with a 429 of the burst', () => {
    const w = new RateWindow({ rate: 10, guardMs: 0 });
    const a = w.record(100);
    const b = w.record(100);
    w.onRateLimited(100, a, 3000);
    expect(w.delay(100)).toBe(3000);
    w.onRateLimited(200, b, 5000);
    expect(w.delay(200)).toBe(5000);
    expect(w.rate).toBe(5);
  });

  it('climbs back fast to near the refused rate, then slowly; past it, fast again up to --rate', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    w.onRateLimited(0, w.record(0)); // refused at 60 → 30, paused until 1000
    w.onSuccess(1500, w.epoch); // less than a second after the pause
    expect(w.rate).toBe(30);
    const rates: number[] = [];
    for (let t = 2000; t <= 8000; t += 1000) {
      w.onSuccess(t, w.epoch);
      rates.push(w.rate);
    }
    // +6/s (a tenth of --rate) up to 51 (85 % of 60), then +1.2/s (a fiftieth of 60).
    [36, 42, 48, 51, 52.2, 53.4, 54.6].forEach((rate, i) => expect(rates[i]).toBeCloseTo(rate));
    for (let t = 9000; t <= 20_000; t += 1000) w.onSuccess(t, w.epoch);
    expect(w.rate).toBe(60);
  });

  it('settles under a server limit instead of bouncing off it: refused again while probing near the refused rate, it goes back to 85 %, not half', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    w.onRateLimited(0, w.record(0)); // 60 → 30
    w.onRateLimited(1000, w.record(1000)); // 30 → 15 (nothing got through in between: halved)
    expect(w.rate).toBe(15);
    w.onSuccess(2500, w.record(2500)); // progress
    w.onRateLimited(2600, w.record(2600)); // 15 → 7.5: far under the refused 30, so halved
    expect(w.rate).toBe(7.5);
    let t = 2600 + 1000;
    for (; w.rate < 12; t += 1000) w.onSuccess(t, w.record(t)); // fast to 12.75 (85 % of 15)
    const refused = w.rate;
    w.onRateLimited(t, w.record(t));
    expect(w.rate).toBeCloseTo(refused * 0.85);
    // Then a fiftieth of the refused rate per second: 7 s between 85 % and 100 % of it.
    const after: number[] = [];
    for (let s = 1; s <= 7; s++) {
      w.onSuccess(t + 1000 + s * 1000, w.epoch);
      after.push(w.rate);
    }
    for (const rate of after) {
      expect(rate).toBeGreaterThan(refused * 0.85);
      expect(rate).toBeLessThanOrEqual(refused);
    }
  });

  it('while the rate is lowered, starts are spread 1/r apart: no burst of r requests at the end of a pause', async () => {
    const clock = fakeClock();
    const window = new RateWindow({ rate: 20, guardMs: 0 });
    const limiter = new Limiter(window, clock, new StopSignal());
    limiter.onRateLimited(window.record(0)); // → 10/s, paused until 1000
    const starts = await grant(limiter, clock, 5);
    expect(starts[0]).toBe(1000);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeCloseTo(100);
  });

  it('never below 1/s (or --rate when lower)', () => {
    const w = new RateWindow({ rate: 60, guardMs: 0 });
    for (let t = 0; t < 10; t++) w.onRateLimited(t * 100_000, w.record(t * 100_000));
    expect(w.rate).toBe(1);
    const slow = new RateWindow({ rate: 0.5, guardMs: 0 });
    slow.onRateLimited(0, slow.record(0));
    expect(slow.rate).toBe(0.5);
  });

  it('the window holds while the rate is lowered: ≤ floor(rate) starts per second', async () => {
    const clock = fakeClock();
    const window = new RateWindow({ rate: 20, guardMs: 0, pauseMs: 0 });
    const limiter = new Limiter(window, clock, new StopSignal());
    const before = await grant(limiter, clock, 20);
    limiter.onRateLimited(window.epoch); // → 10/s
    const after = await grant(limiter, clock, 30);
    expect(maxInWindow(before.concat(after))).toBe(20);
    expect(maxInWindow(after.filter((t) => t >= 1000))).toBe(10);
  });
});

describe('Limiter and Semaphore', () => {
  it('a stopped limiter grants nothing more', async () => {
    const stop = new StopSignal();
    const limiter = new Limiter(new RateWindow({ rate: 1, guardMs: 0 }), fakeClock(), stop);
    expect(await limiter.start()).toBe(0);
    stop.stop();
    expect(await limiter.start()).toBeUndefined();
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
