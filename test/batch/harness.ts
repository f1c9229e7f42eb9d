/** In-process batch runs: fake stdio, a temp cwd, and a Ctrl-C the test can press. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type FakeOptions, type FakeRun } from '../helpers/io.js';

export const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
export const AUTH_TOKEN = 'batch-test-token-never-printed';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'plivo-send-batch-'));
}

export function writeCsv(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The sender and the template every batch test sends with. */
export const TEXT = ['--src', '14155550100', '--text', 'Hi {{name}}, code {{code}}'];

export function serverEnv(url: string): Record<string, string> {
  return { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: url };
}

/** A batch run in-process: stdin is not a terminal unless the test says so. */
export function runBatchCli(argv: string[], options: FakeOptions = {}): Promise<FakeRun> {
  return runCli(argv, { ...options, stdinTTY: options.stdinTTY ?? false });
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
