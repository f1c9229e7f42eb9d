/**
 * Runs `listen`'s flow in-process on a free loopback port, with captured output, a Ctrl-C the test
 * presses, and no real config file; and sends it callbacks signed as Plivo signs them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from '../../src/context.js';
import type { InterruptSignal, Io } from '../../src/io.js';
import { runListen, type ListenFlags } from '../../src/flows/listen.js';
import { signatureHeaders, type CallbackParams } from '../../src/sandbox/signature.js';
import { waitFor } from '../helpers/wait.js';

export const AUTH_ID = 'MAZJKXNTQ1MDA5MTEX2A';
export const AUTH_TOKEN = 'listen-token-that-must-never-be-printed';

export interface RunningListen {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Presses Ctrl-C (or sends `signal`) and resolves with the exit code. */
  stop(signal?: InterruptSignal): Promise<number>;
  /** The run's outcome (rejects with the error a failed start throws). */
  done: Promise<number>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'plivo-send-listen-'));
}

/** Starts `listen` with `flags` (default `--port 0 --json`) and waits until it listens. */
export async function startListen(
  flags: ListenFlags = {},
  env: Record<string, string | undefined> = { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN },
): Promise<RunningListen> {
  let stdout = '';
  let stderr = '';
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const dir = tempDir();
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: Readable.from([]),
    env,
    cwd: dir,
    homedir: dir,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  const ctx: Context = { io, version: '0.0.0-test', loadConfig: async () => ({ config: {}, filepath: undefined, warnings: [] }) };
  const done = runListen(ctx, { port: 0, json: true, ...flags });
  let failed: Error | undefined;
  done.catch((error: unknown) => (failed = error instanceof Error ? error : new Error(String(error))));
  const url = await waitFor(() => {
    if (failed !== undefined) throw failed;
    return /(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
  }, 'listen to start');
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    stop: (signal = 'SIGINT') => {
      for (const handler of [...handlers]) handler(signal);
      return done;
    },
  };
}

/** The JSON lines printed so far. */
export function jsonLines(text: string): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, string>);
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * One callback as Plivo sends it: POST form-encoded or GET with the parameters in the query,
 * signed (V2 and V3) for `signedUrl` (default: the URL requested) with `token`; `headers` replace
 * the signature headers (`{}` sends it unsigned when `unsigned` is set).
 */
export async function sendCallback(
  url: string,
  params: CallbackParams,
  options: { method?: 'GET' | 'POST'; token?: string; signedUrl?: string; unsigned?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const method = options.method ?? 'POST';
  const target = new URL(url);
  if (method === 'GET') for (const [k, v] of Object.entries(params)) target.searchParams.append(k, v);
  const signed = options.unsigned ? {} : signatureHeaders(method, options.signedUrl ?? url, params, options.token ?? AUTH_TOKEN);
  const headers: Record<string, string> = { ...signed, ...options.headers };
  let body: string | undefined;
  if (method === 'POST') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(params).toString();
  }
  const response = await fetch(target, { method, headers, body });
  return { status: response.status, body: await response.text() };
}

export const DELIVERED: CallbackParams = {
  MessageUUID: '3f2a9c1e-5b7d-4e2f-9a1b-2c3d4e5f6a7b',
  To: '14155550101',
  From: '14155550100',
  Type: 'sms',
  Status: 'delivered',
  Units: '1',
  TotalRate: '0.00500',
  TotalAmount: '0.00500',
  Sequence: '3',
  MessageTime: '2024-08-21 18:28:49.244000',
};
