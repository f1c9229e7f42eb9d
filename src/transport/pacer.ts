/**
 * Pacing of Plivo's message list endpoint, which allows 20 requests a minute per account
 * (Plivo's Message API documentation, "List all messages"), far fewer than the send endpoint: a
 * rolling window (never more than `requests` starts in any `windowMs`), shared by every list
 * request of a run.
 */

export interface ListRate {
  requests: number;
  windowMs: number;
}

const PLIVO_LIST_RATE: ListRate = { requests: 20, windowMs: 60_000 };

/**
 * `PLIVO_SEND_LIST_RATE=<requests>/<seconds>` (for tests against a sandbox with a shorter
 * window); anything else, or nothing, is Plivo's 20 a minute.
 */
export function parseListRate(value: string | undefined): ListRate {
  const m = /^\s*(\d{1,5})\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(value ?? '');
  if (!m) return PLIVO_LIST_RATE;
  const requests = Number(m[1]);
  const windowMs = Number(m[2]) * 1000;
  return requests >= 1 && windowMs > 0 ? { requests, windowMs } : PLIVO_LIST_RATE;
}

export class ListPacer {
  private readonly starts: number[] = [];
  /**
   * Plivo counts a request when it arrives, this pacer when it leaves: one that travels faster
   * than the request it replaces in the window would land inside it. So each start holds its
   * place a little longer than the window (1/20 of it: 3 s of Plivo's minute).
   */
  private get holdMs(): number {
    return this.rate.windowMs * 1.05;
  }

  constructor(
    readonly rate: ListRate,
    private readonly now: () => number = Date.now,
  ) {}

  /** The steady interval between requests once the window is full. */
  get intervalMs(): number {
    return this.holdMs / this.rate.requests;
  }

  /**
   * Milliseconds until the last of `count` more requests may start, given the requests already in
   * the window: the window lets `requests` go at once, then each waits for the oldest place to free
   * (the 21st of Plivo's waits about a minute, not one interval).
   */
  estimateMs(count: number): number {
    const now = this.now();
    const starts = this.starts.filter((t) => t > now - this.holdMs);
    let last = now;
    for (let k = 0; k < count; k++) {
      last = starts.length >= this.rate.requests ? Math.max(now, starts[starts.length - this.rate.requests]! + this.holdMs) : now;
      starts.push(last);
    }
    return last - now;
  }

  /** Waits for a free place in the window and takes it (returns early when `signal` aborts). */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.holdMs) this.starts.shift();
      if (this.starts.length < this.rate.requests) {
        this.starts.push(now);
        return;
      }
      await abortableSleep(this.starts[0]! + this.holdMs - now, signal);
    }
  }

  /**
   * After the `nth` 429 in a row: Plivo counted requests this run did not see (another process on
   * the account, or a limit lower than assumed), so treat the window as full from now on and wait
   * as told, else one interval doubled for each 429 in a row, up to the whole window.
   */
  async backOff(retryAfterMs: number | undefined, nth: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.starts.length = 0;
    for (let i = 0; i < this.rate.requests; i++) this.starts.push(now - this.holdMs + (i + 1) * this.intervalMs);
    await abortableSleep(retryAfterMs ?? Math.min(this.rate.windowMs, this.intervalMs * 2 ** (nth - 1)), signal);
  }
}

/** setTimeout as a promise that resolves early when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
