/**
 * Pacing for batch sends: a sliding-window rate limit, a concurrency bound, and on 429 a pause
 * for the whole batch with AIMD (see RateWindow).
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
      const timer = setTimeout(
        () => {
          off?.();
          resolve();
        },
        Math.max(0, Math.ceil(ms)),
      );
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
  /** The first pause after a 429 without Retry-After (the next ones grow, see `pauseFor`). */
  pauseMs?: number;
}

/** Each further pause without progress is this many times longer, up to MAX_PAUSE_MS. */
const PAUSE_GROWTH = 4;
const MAX_PAUSE_MS = 60_000;
/** Below this share of the last refused rate the rate climbs fast; above it, slowly. */
const NEAR_CEILING = 0.85;

/** What a 429 meant for the whole batch. */
export interface RateLimitVerdict {
  /** This 429 began a new pause (false: it is part of the burst the current pause answers). */
  paused: boolean;
  /** Pauses in a row that no request begun after them got through (this one included). */
  refusals: number;
}

/**
 * The rate state (pure, clock passed in). With an effective rate r ≥ 1, at most floor(r) starts
 * in any window of 1 s (+ guard); below 1/s, one start per 1/r s.
 *
 * A 429 is a signal for the whole batch, not for one row. Plivo documents no Retry-After, so
 * without one every request waits out a pause (1 s, then 4 s, 16 s, 60 s while nothing gets
 * through: Plivo counts 300 requests per 5 s, and a 1 s + 4 s wait clears such a window).
 * Requests started before the pause began were sent into the same overload, so their 429s (the
 * rest of the burst) neither start another pause nor lower the rate again: each start carries
 * the number of pauses begun so far (its epoch), and only a 429 of the current epoch counts.
 *
 * AIMD: a new pause halves r (never below 1/s, or below --rate when that is lower) and remembers
 * the rate that was refused; refused again while probing just under that rate, after requests
 * got through, r only goes back to 85 % of it. After the pause, each second of successes adds a
 * tenth of --rate back while r is well below the refused rate, then only a fiftieth of the
 * refused rate per second near it (so r settles just under what Plivo accepts instead of bouncing
 * off it); a rate that passes the refused one without a 429 forgets it and climbs fast again, up
 * to --rate. Plivo's documented limit is 300 requests per 5 s (the default --rate of 60 stays
 * under it); other traffic on the account, or a lower limit, is what these 429s adapt to.
 */
export class RateWindow {
  readonly maxRate: number;
  readonly minRate: number;
  rate: number;
  /** Pauses begun so far. */
  epoch = 0;
  /** The latest epoch a request started in and was accepted (0: before any pause). */
  private progressEpoch = 0;
  private readonly guardMs: number;
  private readonly pauseMs: number;
  private readonly starts: Float64Array;
  private head = 0;
  private count = 0;
  private pausedUntil = -Infinity;
  private lastChange = -Infinity;
  /** The rate a 429 last came at; Infinity when none did (or the rate has passed it since). */
  private refusedRate = Infinity;

  constructor({ rate, guardMs = 25, pauseMs = 1000 }: RateWindowOptions) {
    this.maxRate = rate;
    this.minRate = Math.min(1, rate);
    this.rate = rate;
    this.guardMs = guardMs;
    this.pauseMs = pauseMs;
    this.starts = new Float64Array(Math.max(1, Math.floor(rate)));
  }

  private windowMs(): number {
    return (this.rate >= 1 ? 1000 : 1000 / this.rate) + this.guardMs;
  }

  /**
   * Milliseconds until a request may start (0: now). While a 429 keeps the rate lowered, starts
   * are also spread at least 1/r s apart: r requests at once (at the end of a pause, say) would
   * all meet a Plivo window that is still nearly full, and come back as one burst of 429s.
   */
  delay(now: number): number {
    let wait = this.pausedUntil - now;
    const k = Math.min(this.starts.length, Math.max(1, Math.floor(this.rate)));
    if (this.count >= k) {
      const kth = this.starts[(this.head - k + this.starts.length) % this.starts.length]!;
      wait = Math.max(wait, kth + this.windowMs() - now);
    }
    if (this.count > 0 && this.rate < this.maxRate) {
      const last = this.starts[(this.head - 1 + this.starts.length) % this.starts.length]!;
      wait = Math.max(wait, last + 1000 / this.rate - now);
    }
    return wait > 0 ? wait : 0;
  }

  /**
   * Pauses in a row after which no request got through: those begun since the latest one that a
   * request started after it was accepted (an answer that comes late still counts).
   */
  get refusals(): number {
    return this.epoch - this.progressEpoch;
  }

  /** Records a start; returns its epoch (for `onRateLimited` and `onSuccess`). */
  record(now: number): number {
    this.starts[this.head] = now;
    this.head = (this.head + 1) % this.starts.length;
    if (this.count < this.starts.length) this.count++;
    return this.epoch;
  }

  /** The pause after `refusals` pauses in a row without progress, when Plivo names none. */
  pauseFor(refusals: number): number {
    return Math.min(MAX_PAUSE_MS, this.pauseMs * PAUSE_GROWTH ** (refusals - 1));
  }

  /** A 429 to a request started in `epoch`; Retry-After, when given, is honoured for every request. */
  onRateLimited(now: number, epoch: number, retryAfterMs?: number): RateLimitVerdict {
    if (epoch < this.epoch) {
      if (retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
      return { paused: false, refusals: this.refusals };
    }
    this.epoch++;
    this.pausedUntil = Math.max(this.pausedUntil, now + (retryAfterMs ?? this.pauseFor(this.refusals)));
    // Refused while probing just under the rate refused last time, after requests got through:
    // back to the level that held (85 %), not half.
    const probing = this.refusals === 1 && this.rate >= this.refusedRate * NEAR_CEILING;
    this.refusedRate = this.rate;
    this.rate = Math.max(this.minRate, probing ? this.rate * NEAR_CEILING : this.rate / 2);
    // The climb back is measured from the end of the pause.
    this.lastChange = this.pausedUntil;
    return { paused: true, refusals: this.refusals };
  }

  /** A request started in `epoch` was accepted. */
  onSuccess(now: number, epoch: number): void {
    this.progressEpoch = Math.max(this.progressEpoch, epoch);
    if (this.rate >= this.maxRate || now - this.lastChange < 1000) return;
    const near = this.rate >= this.refusedRate * NEAR_CEILING;
    const step = near ? Math.max(this.refusedRate / 50, 0.1) : Math.max(this.maxRate / 10, 0.1);
    this.rate = Math.min(this.maxRate, near ? this.rate + step : Math.min(this.rate + step, Math.max(this.rate, this.refusedRate * NEAR_CEILING)));
    if (this.rate > this.refusedRate) this.refusedRate = Infinity;
    this.lastChange = now;
  }
}

/**
 * Grants starts in FIFO order through a RateWindow; a grant is the epoch of the start (see
 * RateWindow), undefined once stopped.
 */
export class Limiter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly window: RateWindow,
    private readonly clock: Clock,
    private readonly stop: StopSignal,
  ) {}

  start(): Promise<number | undefined> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<number | undefined> {
    for (;;) {
      if (this.stop.stopped) return undefined;
      const now = this.clock.now();
      const wait = this.window.delay(now);
      if (wait <= 0) return this.window.record(now);
      await this.clock.sleep(wait, this.stop);
    }
  }

  onRateLimited(epoch: number, retryAfterMs?: number): RateLimitVerdict {
    return this.window.onRateLimited(this.clock.now(), epoch, retryAfterMs);
  }

  onSuccess(epoch: number): void {
    this.window.onSuccess(this.clock.now(), epoch);
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
