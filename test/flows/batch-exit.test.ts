/**
 * A batch stopped by Plivo (401, 429) ends through the CLI's one exit: the summary first, then
 * the error, then how to resume, with the error's exit code.
 */
import { describe, expect, it } from 'vitest';
import { type FaultServer, useFaultServer } from '../helpers/fault-server.js';
import { AUTH_TOKEN, jsonLines, peopleCsv, runBatchCli, serverEnv, tempDir, writeCsv } from '../batch/harness.js';

let server: FaultServer;
let dir: string;
useFaultServer((s) => {
  server = s;
  dir = tempDir();
});

function batch(args: string[], config: Record<string, unknown> = {}) {
  const csv = writeCsv(dir, 'people.csv', peopleCsv(3));
  const argv = ['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', '--concurrency', '1', '--journal', 'j.jsonl', ...args];
  return runBatchCli(argv, { env: serverEnv(server.url), cwd: dir, config });
}

const RESUME = /^ {2}plivo-send sms .*--journal j\.jsonl .*--resume$/;

describe('a batch that Plivo stops', () => {
  it('401 with --json: summary, then the auth error, then the resume command; exit 2', async () => {
    server.fallback = () => ({ status: 401, raw: 'Unauthorized', headers: { 'content-type': 'text/plain' } });
    const out = await batch(['--json']);
    expect(out.code, out.stderr).toBe(2);
    const lines = out.stderr.trimEnd().split('\n');
    const summaryAt = lines.findIndex((l) => l.startsWith('{"summary"'));
    const errorAt = lines.findIndex((l) => l.startsWith('{"error"'));
    expect(summaryAt).toBeGreaterThanOrEqual(0);
    expect(errorAt).toBe(summaryAt + 1);
    expect(jsonLines(lines[errorAt]!)[0]).toMatchObject({ error: { code: 'auth', exit_code: 2, message: expect.stringMatching(/the batch stopped/) } });
    expect(lines.slice(errorAt + 1)).toEqual([expect.stringMatching(/^To finish it .*:$/), expect.stringMatching(RESUME)]);
    expect(out.stdout + out.stderr).not.toContain(AUTH_TOKEN);
  });

  it('429 until retries run out: the rate-limit error, its hint, then the resume command; exit 4', async () => {
    server.fallback = () => ({ status: 429, headers: { 'retry-after': '0' } });
    const out = await batch([], { retries: 0 });
    expect(out.code, out.stderr).toBe(4);
    expect(out.stdout).toMatch(/Sent 0 of 3 rows/);
    const lines = out.stderr.trimEnd().split('\n');
    const errorAt = lines.findIndex((l) => l.includes('Plivo kept rate limiting (429); the batch stopped'));
    expect(errorAt).toBeGreaterThanOrEqual(0);
    expect(lines.slice(errorAt + 1)).toEqual([
      expect.stringMatching(/Resume later/),
      expect.stringMatching(/^To finish it .*:$/),
      expect.stringMatching(RESUME),
    ]);
  });
});
