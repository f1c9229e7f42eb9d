/** In-process batch runs: fake stdio, a temp cwd, and a Ctrl-C the test can press. */
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterruptSignal, Io, Terminal } from '../../src/io.js';
import type { Context } from '../../src/context.js';
import type { ConfigFile } from '../../src/config/settings.js';
import { run } from '../../src/cli.js';

export const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
export const AUTH_TOKEN = 'batch-test-token-never-printed';

export interface BatchRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BatchRunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  cwd?: string;
  stdinTTY?: boolean;
  stderrTTY?: boolean;
  /** Receives a function that presses Ctrl-C (or sends another signal) once per call. */
  onStart?: (interrupt: (signal?: InterruptSignal) => void) => void;
  /** What `/dev/tty` opens to (default: no controlling terminal). */
  openTty?: () => Promise<Terminal | undefined>;
  /** What the config file holds (default: nothing). */
  config?: ConfigFile;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'plivo-send-batch-'));
}

export function writeCsv(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export function serverEnv(url: string): Record<string, string> {
  return { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: url };
}

export async function runBatchCli(argv: string[], options: BatchRunOptions = {}): Promise<BatchRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]) as Readable & { isTTY?: boolean };
  stdin.isTTY = options.stdinTTY ?? false;
  const dir = options.cwd ?? tempDir();
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: options.stderrTTY
      ? // Enough of a tty.WriteStream for ora's spinner.
        Object.assign({ write: (s: string) => ((stderr += s), true), isTTY: true, columns: 80 }, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true })
      : { write: (s: string) => ((stderr += s), true), isTTY: false },
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

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** CSV of `n` rows: dst 1415555{1000+i}, name Name{i}, code {i}. */
export function peopleCsv(n: number, { crlf = false } = {}): string {
  const eol = crlf ? '\r\n' : '\n';
  let csv = `dst,name,code${eol}`;
  for (let i = 1; i <= n; i++) csv += `${dstOf(i)},Name${i},${i}${eol}`;
  return csv;
}

export function dstOf(i: number): string {
  return `1415555${String(1000 + i).padStart(4, '0')}`;
}
