// Shared helpers for the benchmark scripts: timing, medians, child processes with their peak RSS
// and CPU time (reported by bench/report-usage.js, preloaded with --import).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'plivo-send.js');

/** The batch every benchmark sends: the CSVs' `name` and `code` columns in an SMS template. */
export function batchArgs(csv, ...more) {
  return [BIN, 'sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}, your code is {{code}}', ...more];
}
const REPORTER = join(ROOT, 'bench', 'report-usage.js');

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one synchronous run, in milliseconds. */
export function timeRun(args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/**
 * Runs a Node script as a child with the usage reporter preloaded; resolves with wall time,
 * peak RSS (MB) and CPU time (ms) of the child alone.
 */
export function runMeasured(args, { stdin, stdout = 'ignore', env = process.env } = {}) {
  const usageFile = join(tmpdir(), `plivo-send-usage-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', REPORTER, ...args], {
      stdio: [stdin ? 'pipe' : 'ignore', stdout, 'pipe'],
      env: { ...env, BENCH_USAGE_FILE: usageFile },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    if (stdin) child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      let usage;
      try {
        usage = JSON.parse(readFileSync(usageFile, 'utf8'));
        rmSync(usageFile);
      } catch {
        return reject(new Error(`no usage report (exit ${code}): ${stderr.slice(-2000)}`));
      }
      resolve({ code, wallMs, stderr, ...usage });
    });
  });
}

export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Writes `head`, then `count` lines `lineOf(i)` (each ending in a newline), streamed in 64 KB writes. */
export async function writeLines(path, count, lineOf, head = '') {
  const out = createWriteStream(path);
  let chunk = head;
  for (let i = 0; i < count; i++) {
    chunk += `${lineOf(i)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
