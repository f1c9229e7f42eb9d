/**
 * Batch progress on stderr: an ora spinner (count, rate, ETA) when stderr is a terminal; else a
 * plain line every 5 s or every 10 % (a JSON object with `--json`, so stderr stays parseable).
 */
import type { Output } from '../output.js';
import { formatDuration } from './plan.js';
import { formatCount } from '../core/format.js';

export interface Progress {
  /** `done` rows of `total` have finished. */
  update(done: number): void;
  /** Stops the spinner (before printing anything else on stderr). */
  stop(): void;
}

interface Spinner {
  text: string;
  start(): unknown;
  stop(): unknown;
}

/** The rate is measured over this many recent milliseconds. */
const RATE_WINDOW_MS = 10_000;
const SAMPLE_MS = 100;

/**
 * Rows per second over the last RATE_WINDOW_MS: neither the average since the start (which hides a
 * slowdown) nor the rows of one tick (which jumps when a burst of answers lands together). A pause
 * (a 429 backoff) lowers it while it lasts, since the window's rows stay as its span grows.
 */
export class RateMeter {
  /** (time, done) samples, oldest first; the first is at or before the window's start. */
  private samples: Array<{ at: number; done: number }>;

  constructor(started: number) {
    this.samples = [{ at: started, done: 0 }];
  }

  record(done: number, at: number): void {
    // One sample per SAMPLE_MS at most (a fast batch finishes rows by the thousand a second): a
    // later count within it updates the last sample, whose time stays, so the rate is never over.
    const last = this.samples[this.samples.length - 1]!;
    if (this.samples.length > 1 && at - last.at < SAMPLE_MS) {
      last.done = done;
      return;
    }
    this.samples.push({ at, done });
    // Keep one sample at or before the window's start, so the window always spans it fully.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - RATE_WINDOW_MS) this.samples.shift();
  }

  rate(at: number): number {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (at - first.at) / 1000;
    return seconds > 0 ? (last.done - first.done) / seconds : 0;
  }
}

/** `now` is the clock (tests pass a fake). */
export async function startProgress(out: Output, total: number, now: () => number = Date.now): Promise<Progress> {
  const started = now();
  const meter = new RateMeter(started);
  const describe = (done: number): { text: string; rate: number; eta: number | undefined } => {
    const rate = meter.rate(now());
    const eta = rate > 0 ? (total - done) / rate : undefined;
    const text = `${formatCount(done)}/${formatCount(total)} rows · ${rate.toFixed(1)}/s${eta !== undefined && done < total ? ` · ETA ${formatDuration(eta)}` : ''}`;
    return { text, rate, eta };
  };

  // A terminal that reports no width (some CI pseudo-terminals) gets plain lines: the spinner
  // would compute its line count against zero columns.
  if (out.io.stderr.isTTY === true && (out.io.stderr.columns ?? 0) > 0) {
    const { default: ora } = await import('ora');
    // discardStdin: false, or ora would take over stdin (which may be the CSV) and Ctrl-C.
    const spinner: Spinner = ora({
      text: `Sending 0/${formatCount(total)} rows`,
      stream: out.io.stderr as NodeJS.WritableStream,
      discardStdin: false,
    });
    spinner.start();
    let last = 0;
    let latest = 0;
    let stopped = false;
    // While no row finishes (a 429 backoff) the rate shown keeps falling, and the ETA rising.
    const refresh = setInterval(() => (spinner.text = `Sending ${describe(latest).text}`), 1000);
    refresh.unref();
    return {
      update(done) {
        if (stopped) return;
        const at = now();
        meter.record(done, at);
        latest = done;
        if (at - last < 100 && done < total) return;
        last = at;
        spinner.text = `Sending ${describe(done).text}`;
      },
      stop() {
        stopped = true;
        clearInterval(refresh);
        spinner.stop();
      },
    };
  }

  let lastAt = started;
  let lastTenth = 0;
  // After a Ctrl-C the rows still finishing must not print between "Stopping" and the summary.
  let stopped = false;
  return {
    update(done) {
      if (stopped) return;
      const at = now();
      meter.record(done, at);
      const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
      if (at - lastAt < 5000 && tenth === lastTenth) return;
      // A batch that is over within a second needs no progress; the summary follows at the end.
      if (done >= total || at - started < 1000) return;
      lastAt = at;
      lastTenth = tenth;
      const { text, rate, eta } = describe(done);
      if (out.json)
        out.note(JSON.stringify({ progress: { done, total, rate: Math.round(rate * 10) / 10, eta_seconds: eta === undefined ? null : Math.round(eta) } }));
      else out.note(`plivo-send: ${text}`);
    },
    stop: () => void (stopped = true),
  };
}
