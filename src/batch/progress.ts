/**
 * Batch progress on stderr: an ora spinner (count, rate, ETA) when stderr is a terminal; else a
 * plain line every 5 s or every 10 % (a JSON object with `--json`, so stderr stays parseable).
 */
import type { Output } from '../output.js';
import { formatDuration } from './plan.js';

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

/** `now` is the clock (tests pass a fake). */
export async function startProgress(out: Output, total: number, now: () => number = Date.now): Promise<Progress> {
  const started = now();
  const describe = (done: number): { text: string; rate: number; eta: number | undefined } => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : undefined;
    const text = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows · ${rate.toFixed(1)}/s${eta !== undefined && done < total ? ` · ETA ${formatDuration(eta)}` : ''}`;
    return { text, rate, eta };
  };

  // A terminal that reports no width (some CI pseudo-terminals) gets plain lines: the spinner
  // would compute its line count against zero columns.
  if (out.io.stderr.isTTY === true && (out.io.stderr.columns ?? 0) > 0) {
    const { default: ora } = await import('ora');
    // discardStdin: false, or ora would take over stdin (which may be the CSV) and Ctrl-C.
    const spinner: Spinner = ora({ text: `Sending 0/${total.toLocaleString('en-US')} rows`, stream: out.io.stderr as NodeJS.WritableStream, discardStdin: false });
    spinner.start();
    let last = 0;
    let stopped = false;
    return {
      update(done) {
        if (stopped) return;
        const at = now();
        if (at - last < 100 && done < total) return;
        last = at;
        spinner.text = `Sending ${describe(done).text}`;
      },
      stop() {
        stopped = true;
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
      const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
      if (at - lastAt < 5000 && tenth === lastTenth) return;
      // A batch that is over within a second needs no progress; the summary follows at the end.
      if (done >= total || at - started < 1000) return;
      lastAt = at;
      lastTenth = tenth;
      const { text, rate, eta } = describe(done);
      if (out.json) out.note(JSON.stringify({ progress: { done, total, rate: Math.round(rate * 10) / 10, eta_seconds: eta === undefined ? null : Math.round(eta) } }));
      else out.note(`plivo-send: ${text}`);
    },
    stop: () => void (stopped = true),
  };
}
