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

/**
 * Runs `argv` in-process through `runner` (src/cli.ts's `run`, or program.ts's `runProgram`) with
 * captured output and `stdin` handed over in chunks of `chunk` bytes, as a pipe would.
 */
export async function runPiped(
  runner: (argv: string[], ctx: { io: Io; version: string }) => Promise<number>,
  argv: string[],
  stdin: string | Buffer = '',
  chunk = 1 << 16,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const bytes = Buffer.from(stdin);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: Object.assign(Readable.from(chunks), { isTTY: false }),
    env: {},
    cwd: tmpdir(),
    homedir: tmpdir(),
  };
  const code = await runner(argv, { io, version: '0.0.0-test' });
  return { code, stdout, stderr };
}
