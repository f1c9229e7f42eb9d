/**
 * 429 in a batch is a signal to slow down, not a row's failure: the whole batch pauses, the rate
 * adapts to what Plivo accepts, and rows are retried as long as the batch makes progress.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWatchServer, type WatchServer } from '../helpers/watch-server.js';
import { jsonLines, peopleCsv, runBatchCli, serverEnv, tempDir, writeCsv, TEXT } from './harness.js';

let server: WatchServer;
let dir: string;

beforeAll(async () => {
  server = await startWatchServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  dir = tempDir();
});

const results = () => jsonLines(readFileSync(join(dir, 'results.jsonl'), 'utf8'));

function batch(rows: number, args: string[]) {
  const path = writeCsv(dir, 'people.csv', peopleCsv(rows));
  return runBatchCli(['sms', '--csv', path, ...TEXT, '--yes', '--results', 'results.jsonl', ...args], { env: serverEnv(server.url), cwd: dir });
}

/** The most requests that arrived within any one second, among `times` (sorted, ms). */
function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('a batch against a server that accepts 10 requests a second (429 past it, no Retry-After)', () => {
  it('150 rows at --rate 60: every row sent, few 429s, and the load adapts to the limit', async () => {
    server.perSecond = 10;
    const rows = 150;
    const out = await batch(rows, ['--rate', '60']);
    expect(out.code, out.stderr).toBe(0);
    const all = results();
    expect(all.filter((r) => r.status === 'sent')).toHaveLength(rows);
    const refused = server.posts.filter((p) => p.status === 429);
    expect(refused.length).toBeLessThan(rows / 2);
    expect(server.posts.filter((p) => p.status === 202)).toHaveLength(rows);
    // After the first pause (the first adaptation), no second of arrivals holds more than twice
    // what the server accepts.
    const firstRefusal = refused[0]!.answered!;
    const after = server.posts.map((p) => p.arrived).filter((t) => t > firstRefusal + 1000);
    expect(busiestSecond(after)).toBeLessThanOrEqual(20);
  }, 120_000);

  it('a 429 pauses every request of the batch, not just the refused row', async () => {
    server.perSecond = 5;
    const out = await batch(12, ['--rate', '60', '--concurrency', '2']);
    expect(out.code, out.stderr).toBe(0);
    const first = server.posts.find((p) => p.status === 429)!;
    // During the second after the first 429 (the pause), at most the requests already on their
    // way when it was answered arrive (--concurrency 2), from any row.
    const during = server.posts.filter((p) => p.arrived > first.answered! && p.arrived < first.answered! + 950);
    expect(during.length).toBeLessThanOrEqual(2);
    expect(results().every((r) => r.status === 'sent')).toBe(true);
  }, 60_000);
});
