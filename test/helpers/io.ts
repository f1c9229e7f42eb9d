import { Readable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterruptSignal, Io, Terminal } from '../../src/io.js';
import type { Context } from '../../src/context.js';
import type { ConfigFile } from '../../src/config/settings.js';
import { run } from '../../src/cli.js';

export interface FakeRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Default: a terminal when no stdin text is given. */
  stdinTTY?: boolean;
  stderrTTY?: boolean;
  /** What the config file holds (default: nothing). */
  config?: ConfigFile;
  /** Default: a new temporary directory, also the home directory. */
  cwd?: string;
  /** Receives a function that presses Ctrl-C (or sends another signal) once per call. */
  onStart?: (interrupt: (signal?: InterruptSignal) => void) => void;
  /** What `/dev/tty` opens to (default: no controlling terminal). */
  openTty?: () => Promise<Terminal | undefined>;
}

/** Runs the CLI in-process with captured stdio, a Ctrl-C the test can press, and no real config file. */
export async function runCli(argv: string[], options: FakeOptions = {}): Promise<FakeRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]) as Readable & { isTTY?: boolean };
  stdin.isTTY = options.stdinTTY ?? options.stdin === undefined;
  const dir = options.cwd ?? mkdtempSync(join(tmpdir(), 'plivo-send-test-'));
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const writeErr = (s: string) => ((stderr += s), true);
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: options.stderrTTY
      ? // Enough of a tty.WriteStream for ora's spinner.
        Object.assign({ write: writeErr, isTTY: true, columns: 80 }, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true })
      : { write: writeErr, isTTY: false },
    stdin,
    env: options.env ?? {},
    cwd: dir,
    homedir: dir,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    openTty: options.openTty,
  };
  options.onStart?.((signal = 'SIGINT') => {
    for (const handler of handlers) handler(signal);
  });
  const ctx: Context = { io, version: '0.0.0-test', loadConfig: async () => ({ config: options.config ?? {}, filepath: undefined, warnings: [] }) };
  const code = await run(argv, ctx);
  return { code, stdout, stderr };
}

export const AUTH_ID = 'MAZJKXNTQ1MDA5MTEX2A';
export const AUTH_TOKEN = 'secret-token-that-must-never-be-printed';
