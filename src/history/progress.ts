/** A one-line spinner on stderr while a long read runs: only on a terminal, never in a pipe. */
import type { Output } from '../output.js';

export interface Spinner {
  set(text: string): void;
  stop(): void;
}

const NONE: Spinner = { set: () => undefined, stop: () => undefined };

export async function startSpinner(out: Output, text: string): Promise<Spinner> {
  // A terminal that reports no width (some CI pseudo-terminals) gets none: ora counts lines against it.
  if (out.io.stderr.isTTY !== true || (out.io.stderr.columns ?? 0) <= 0) return NONE;
  const { default: ora } = await import('ora');
  // discardStdin: false, or ora would take over stdin and Ctrl-C.
  const spinner = ora({ text, stream: out.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
  let stopped = false;
  return {
    set: (next) => {
      if (!stopped) spinner.text = next;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      spinner.stop();
    },
  };
}
