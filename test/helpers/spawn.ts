/** Runs the built binary (bin/plivo-send.js → dist/) as a user would. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/plivo-send.js', import.meta.url));

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user (tests running as root use it to meet permission checks root would skip). */
  uid?: number;
  gid?: number;
}

/** A clean environment: a private HOME and XDG_CONFIG_HOME so no real ~/.plivorc is seen. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'plivo-send-home-'));
  return { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1', ...extra };
}

export interface Started {
  child: ChildProcessWithoutNullStreams;
  /** Output so far (stdout and stderr as they come). */
  output(): { stdout: string; stderr: string };
  done: Promise<Spawned>;
}

/**
 * Starts the binary and lets the test act on it while it runs (send it signals). It runs in a
 * session of its own, without a controlling terminal, as under CI: on a developer's terminal a
 * batch would otherwise ask its confirmation on /dev/tty.
 */
export function startBin(args: string[], options: SpawnOptions = {}): Started {
  const env = options.env ?? cleanEnv();
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: options.cwd ?? env.HOME,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    uid: options.uid,
    gid: options.gid,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Spawned>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else child.stdin.end();
  return { child, output: () => ({ stdout, stderr }), done };
}

export function runBin(args: string[], options: SpawnOptions = {}): Promise<Spawned> {
  return startBin(args, options).done;
}
