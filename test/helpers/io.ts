import { Readable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../src/io.js';
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
  stdinTTY?: boolean;
  config?: ConfigFile;
  cwd?: string;
}

/** Runs the CLI in-process with captured stdio and no real config file. */
export async function runCli(argv: string[], options: FakeOptions = {}): Promise<FakeRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]) as Readable & { isTTY?: boolean };
  stdin.isTTY = options.stdinTTY ?? (options.stdin === undefined ? true : false);
  const dir = options.cwd ?? mkdtempSync(join(tmpdir(), 'plivo-send-test-'));
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    stdin,
    env: options.env ?? {},
    cwd: dir,
    homedir: dir,
  };
  const ctx: Context = { io, version: '0.0.0-test', loadConfig: async () => ({ config: options.config ?? {}, filepath: undefined, warnings: [] }) };
  const code = await run(argv, ctx);
  return { code, stdout, stderr };
}

export const AUTH_ID = 'MAZJKXNTQ1MDA5MTEX2A';
export const AUTH_TOKEN = 'secret-token-that-must-never-be-printed';
