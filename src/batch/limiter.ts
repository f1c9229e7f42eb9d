/**
 * Pacing for batch sends: a sliding-window rate limit, a concurrency bound, and AIMD on 429.
 *
 * Why a sliding window and not a token bucket: a bucket of capacity R refilled at R/s lets R
 * requests start at the end of one second and R more at the start of the next, 2R inside one
 * second-long window. The contract says no more than R in ANY one-second window, so the window
 * keeps the start times of the last R requests and lets a new one start only when the oldest of
 * them is at least a second old: then every window [t, t + 1 s) holds at most R starts.
 */

/** A monotonic clock and a sleep that returns early when `stop` fires; tests pass a fake. */
export interface Clock {
  now(): number;
  sleep(ms: number, stop?: StopSignal): Promise<void>;
}

/**
 * A one-way "stop now" flag that sleeps and waits can be cut short by. Listeners are removed as
 * soon as what they wait for is over: a promise-based signal would keep one reaction per wait
 * (several per row) alive until the end of the batch.
 */
export class StopSignal {
  stopped = false;
  private readonly listeners = new Set<() => void>();

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const listener of this.listeners) listener();
    this.listeners.clear();
  }

  /** Calls `listener` when the signal fires (at once if it has); returns the unsubscribe. */
  onStop(listener: () => void): () => void {
    if (this.stopped) {
      listener();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `promise`'s value, or undefined as soon as the signal fires. */
  race<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const off = this.onStop(() => resolve(undefined));
      promise.then(
        (value) => {
          off();
          resolve(value);
        },
        (error: unknown) => {
          off();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Resolves when the signal fires. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.onStop(resolve));
  }
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, stop) =>
    new Promise<void>((resolve) => {
      if (stop?.stopped) return resolve();
      const off = stop?.onStop(() => {
        clearTimeout(timer);
        resolve();
      });
      const timer = setTimeout(() => {
        off?.();
        resolve();
      }, Math.max(0, Math.ceil(ms)));
    }),
};

export interface RateWindowOptions {
  /** `--rate`: requests per second, the ceiling. */
  rate: number;
  /**
   * Added to the one-second window: the window is measured on this machine, but Plivo counts
   * arrivals, and network jitter can bring two starts a window apart closer together there.
   */
  guardMs?: number;
}

/**
 * The rate state (pure, clock passed in). With an effective rate r ≥ 1, at most floor(r) starts
 * in any window of 1 s (+ guard); below 1/s, one start per 1/r s. AIMD: a 429 halves r (at most
 * once per window, never below 1/s, or below --rate when that is lower); each second of
 * successes after that adds a tenth of --rate back, up to --rate.
 */
export class RateWindow {
  readonly maxRate: number;
  readonly minRate: number;
  rate: number;
  private readonly guardMs: number;
  private readonly starts: Float64Array;
  private head = 0;
  private count = 0;
  private pausedUntil = -Infinity;
  private lastChange = -Infinity;

  constructor({ rate, guardMs = 25 }: RateWindowOptions) {
    this.maxRate = rate;
    this.minRate = Math.min(1, rate);
    this.rate = rate;
    this.guardMs = guardMs;
    this.starts = new Float64Array(Math.max(1, Math.floor(rate)));
  }

  private windowMs(): number {
    return (this.rate >= 1 ? 1000 : 1000 / this.rate) + this.guardMs;
  }

  /** Milliseconds until a request may start (0: now). */
  delay(now: number): number {
    let wait = this.pausedUntil - now;
    const k = Math.min(this.starts.length, Math.max(1, Math.floor(this.rate)));
    if (this.count >= k) {
      const kth = this.starts[(this.head - k + this.starts.length) % this.starts.length]!;
      wait = Math.max(wait, kth + this.windowMs() - now);
    }
    return wait > 0 ? wait : 0;
  }

  record(now: number): void {
    this.starts[this.head] = now;
    this.head = (this.head + 1) % this.starts.length;
    if (this.count < this.starts.length) this.count++;
  }

  /** A 429: halve the rate (once per window) and honour Retry-After for every request. */
  onRateLimited(now: number, retryAfterMs?: number): void {
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (now - this.lastChange < this.windowMs()) return;
    this.rate = Math.max(this.minRate, this.rate / 2);
    this.lastChange = now;
  }

  onSuccess(now: number): void {
    if (this.rate >= this.maxRate || now - this.lastChange < 1000) return;
    this.rate = Math.min(this.maxRate, this.rate + Math.max(this.maxRate / 10, 0.1));
    this.lastChange = now;
  }
}

/** Grants starts in FIFO order through a RateWindow; `acquire` resolves false once stopped. */
export class Limiter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly window: RateWindow,
    private readonly clock: Clock,
    private readonly stop: StopSignal,
  ) {}

  acquire(): Promise<boolean> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<boolean> {
    for (;;) {
      if (this.stop.stopped) return false;
      const now = this.clock.now();
      const wait = this.window.delay(now);
      if (wait <= 0) {
        this.window.record(now);
        return true;
      }
      await this.clock.sleep(wait, this.stop);
    }
  }

  onRateLimited(retryAfterMs?: number): void {
    this.window.onRateLimited(this.clock.now(), retryAfterMs);
  }

  onSuccess(): void {
    this.window.onSuccess(this.clock.now());
  }
}

/** At most `size` holders at a time. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  get inUse(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
