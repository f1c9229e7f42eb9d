/**
 * Rows to the same number within a batch: one at a time, and never past an unknown outcome.
 * A lookup can only tell two messages to one number apart when their requests never overlapped,
 * so the send pass gives each number one unresolved request at most (number-claims.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultServer, type FaultServer, type Reply } from '../helpers/fault-server.js';
import { waitFor } from '../helpers/wait.js';
import { startWatchServer, type WatchServer } from '../helpers/watch-server.js';
import { cleanEnv, runBin, startBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN, dstOf, jsonLines, runBatchCli, serverEnv, tempDir, writeCsv, TEXT } from './harness.js';

let faults: FaultServer;
let watch: WatchServer;
let dir: string;

beforeAll(async () => {
  faults = await startFaultServer();
  watch = await startWatchServer();
});
afterAll(async () => {
  await faults.close();
  await watch.close();
});
beforeEach(() => {
  faults.reset();
  watch.reset();
  dir = tempDir();
});

const A = dstOf(1);
const B = dstOf(2);

/** A CSV with one row per destination given (`A<B` for a row to both), named Name1, Name2, … */
function csvTo(destinations: string[]): string {
  return `dst,name,code\n${destinations.map((d, i) => `${d},Name${i + 1},${i + 1}`).join('\n')}\n`;
}

const results = (name = 'results.jsonl') => jsonLines(readFileSync(join(dir, name), 'utf8'));
const rowOf = (text: string) => Number(/Name(\d+),/.exec(text)![1]);

/**
 * Messages the fault server queues, and which row each belongs to (by its text), as Plivo would
 * know it: the tests check that each row's message is queued once and reported for that row.
 */
function plivoQueue() {
  const owner = new Map<string, number>();
  const queue = (body: Record<string, unknown>, afterMs = 0): string => {
    const uuid = randomUUID();
    const time = new Date(Date.now() + afterMs).toISOString().replace('T', ' ').replace('Z', '000+00:00');
    faults.messages.push({
      message_uuid: uuid,
      to_number: String(body.dst),
      from_number: String(body.src),
      message_state: 'queued',
      message_time: time,
      message_type: 'sms',
      error_code: '000',
    });
    owner.set(uuid, rowOf(String(body.text)));
    return uuid;
  };
  const accept = (body: Record<string, unknown>): Reply => ({
    status: 202,
    body: { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [queue(body)] },
  });
  return { owner, queue, accept };
}

/** Each row's message was queued exactly once, and each row reports its own message as sent. */
function expectEachQueuedOnceAndOwned(owner: Map<string, number>, rows: number): void {
  expect([...owner.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
  const final = results();
  expect(final.map((r) => r.status)).toEqual(Array.from({ length: rows }, () => 'sent'));
  for (const r of final) expect((r.message_uuid as string[]).map((u) => owner.get(u))).toEqual([r.row]);
}

describe('rows to the same number', () => {
  it('are never in flight together, while rows to other numbers still are; each waits its turn in row order', async () => {
    watch.delayMs = 150;
    const rows = [A, B, A, dstOf(3), `${A}<${dstOf(4)}`, dstOf(4), A, dstOf(5), dstOf(6), A, dstOf(7), dstOf(8)];
    const path = writeCsv(dir, 'people.csv', csvTo(rows));
    const out = await runBatchCli(['sms', '--csv', path, ...TEXT, '--yes', '--concurrency', '4', '--results', 'results.jsonl'], {
      env: serverEnv(watch.url),
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(watch.posts).toHaveLength(rows.length);
    expect(watch.maxPerNumber).toBe(1);
    expect(watch.maxInFlight).toBeGreaterThan(1);
    // The rows to A (row 5 is to A<D) went in row order, each after the one before was answered.
    const toA = watch.posts.filter((p) => p.dst.split('<').includes(A));
    expect(toA.map((p) => rowOf(p.text))).toEqual([1, 3, 5, 7, 10]);
    expect(results().map((r) => [r.row, r.status])).toEqual(rows.map((_, i) => [i + 1, 'sent']));
  });

  it('an unknown outcome blocks its numbers for the rest of the run (those rows are not requested, not journalled), others go on; the resume sends them after the lookup', async () => {
    const seen = new Set<string>();
    faults.fallback = (body) => {
      const first = body.dst === A && !seen.has(A);
      seen.add(String(body.dst));
      return first ? { status: 500 } : { status: 202 };
    };
    const rows = [A, B, A, `${A}<${B}`, dstOf(3)];
    const path = writeCsv(dir, 'people.csv', csvTo(rows));
    const args = ['sms', '--csv', path, ...TEXT, '--yes', '--journal', 'j.jsonl'];
    const out = await runBatchCli([...args, '--results', 'first.jsonl'], { env: serverEnv(faults.url), cwd: dir });
    expect(out.code, out.stderr).toBe(6);
    const blocked = `not sent: an earlier row (row 1) to ${A} has an unknown outcome; resume with --journal to check it first, then these are sent`;
    expect(results('first.jsonl').map((r) => [r.row, r.status, r.error])).toEqual([
      [1, 'unknown', expect.stringMatching(/server error \(500\)/)],
      [2, 'sent', undefined],
      [3, 'failed', blocked],
      [4, 'failed', blocked],
      [5, 'sent', undefined],
    ]);
    expect(faults.posts().map((p) => (p.json as { text: string }).text)).toEqual(
      expect.arrayContaining(['Hi Name1, code 1', 'Hi Name2, code 2', 'Hi Name5, code 5']),
    );
    expect(faults.posts()).toHaveLength(3);
    const journalled = new Set(jsonLines(readFileSync(join(dir, 'j.jsonl'), 'utf8')).map((r) => r.row));
    expect(journalled.has(3) || journalled.has(4)).toBe(false);

    // Row 1's 500 queued nothing: the resume finds no message, sends it, then rows 3 and 4.
    const again = await runBatchCli([...args, '--resume', '--timeout', '1', '--results', 'results.jsonl'], { env: serverEnv(faults.url), cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(results().map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    const texts = faults.posts().map((p) => (p.json as { text: string }).text);
    expect(texts.filter((t) => t === 'Hi Name1, code 1')).toHaveLength(2);
    for (const row of [2, 3, 4, 5]) expect(texts.filter((t) => t === `Hi Name${row}, code ${row}`)).toHaveLength(1);
  });

  it('on resume, a row an earlier run left unknown (and this lookup cannot settle) blocks every row to its number, also rows before it', async () => {
    // Run 1: row 1's request is refused (400: certainly not queued); row 2's is queued, then 500.
    const { queue } = plivoQueue();
    const tries = new Map<number, number>();
    faults.fallback = (body): Reply => {
      const row = rowOf(String(body.text));
      tries.set(row, (tries.get(row) ?? 0) + 1);
      if (row === 1 && tries.get(row) === 1) return { status: 400, body: { api_id: 'a', error: 'try again later' } };
      if (row === 2 && tries.get(row) === 1) {
        queue(body);
        return { status: 500 };
      }
      return { status: 202 };
    };
    const path = writeCsv(dir, 'people.csv', csvTo([A, A, B]));
    const args = ['sms', '--csv', path, ...TEXT, '--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl'];
    const out = await runBatchCli(args, { env: serverEnv(faults.url), cwd: dir });
    expect(out.code, out.stderr).toBe(6);
    expect(results().map((r) => r.status)).toEqual(['failed', 'unknown', 'sent']);

    // The message to A was queued right at row 2's attempt: the lookup cannot place it before or
    // after, so row 2 stays unknown, and row 1 (journalled failed, so due again) must wait too.
    const posts = faults.posts().length;
    const again = await runBatchCli([...args, '--resume', '--settle', '0'], { env: serverEnv(faults.url), cwd: dir });
    expect(again.code, again.stderr).toBe(6);
    expect(faults.posts()).toHaveLength(posts);
    expect(results().map((r) => [r.row, r.status, r.error])).toEqual([
      [1, 'failed', `not sent: row 2 to ${A} has an unknown outcome from an earlier run; resume again to check it first, then these are sent`],
      [2, 'unknown', expect.stringMatching(/resume again/)],
      [3, 'sent', undefined],
    ]);
  });

  it('a row waiting for its turn stops at Ctrl-C: reported not reached, never requested', async () => {
    // Row 1's answer takes 3 s: the Ctrl-C comes while it is out (rows 2-4 wait their turn), and
    // the grace period lets it finish.
    watch.delayMs = 3000;
    const path = writeCsv(dir, 'people.csv', csvTo([A, A, A, A]));
    let interrupt = (): void => undefined;
    const running = runBatchCli(['sms', '--csv', path, ...TEXT, '--yes', '--results', 'results.jsonl'], {
      env: serverEnv(watch.url),
      cwd: dir,
      onStart: (press) => (interrupt = press),
    });
    await waitFor(() => watch.posts.length > 0, 'the first request');
    interrupt();
    const out = await running;
    expect(out.code, out.stderr).toBe(130);
    expect(watch.posts).toHaveLength(1);
    expect(results().map((r) => [r.row, r.status, r.error])).toEqual([
      [1, 'sent', undefined],
      [2, 'failed', 'not sent: the batch was interrupted before this row'],
      [3, 'failed', 'not sent: the batch was interrupted before this row'],
      [4, 'failed', 'not sent: the batch was interrupted before this row'],
    ]);
  });
});

describe('the built binary: two rows to one number, two lost answers, then --resume', () => {
  it("row 1's 503 queued nothing, row 2's 503 queued its message: in the end each message is queued exactly once, and each row reports its own", async () => {
    const { owner, queue, accept } = plivoQueue();
    const tries = new Map<number, number>();
    faults.fallback = (body): Reply => {
      const row = rowOf(String(body.text));
      const n = (tries.get(row) ?? 0) + 1;
      tries.set(row, n);
      if (row === 1 && n === 1) return { status: 503 };
      if (row === 2 && n === 1) {
        // Plivo takes 2 s, queues the message, then fails: far enough from the attempt that a
        // lookup can place the message after it (Plivo's clock is known to a second or so).
        queue(body, 2000);
        return { status: 503, delayMs: 2000 };
      }
      return accept(body);
    };
    const number = '14155550142';
    const csv = writeCsv(dir, 'people.csv', csvTo([number, number]));
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: faults.url });
    const args = ['sms', '--csv', csv, ...TEXT, '--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl'];

    const first = await runBin(args, { env, cwd: dir, timeoutMs: 30_000 });
    expect(first.code, first.stderr).toBe(6);
    expect(results().map((r) => [r.row, r.status])).toEqual([
      [1, 'unknown'],
      [2, 'failed'],
    ]);
    expect(results()[1]!.error).toBe(
      `not sent: an earlier row (row 1) to ${number} has an unknown outcome; resume with --journal to check it first, then these are sent`,
    );
    expect(faults.posts()).toHaveLength(1);

    // Resume until nothing is left to check (each resume meets the next scripted fault).
    let last = first;
    for (let i = 0; i < 3 && last.code !== 0; i++) last = await runBin([...args, '--resume', '--settle', '1'], { env, cwd: dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);
    expectEachQueuedOnceAndOwned(owner, 2);
  });

  it('kill -9 while a 429 holds row 1 back: row 2 to the same number was never requested, and the resume sends each once', async () => {
    // Plivo stamps a message some time after the request reached it (see fault-server.ts).
    faults.stampMs = 100;
    const { owner, accept } = plivoQueue();
    let refused = false;
    faults.fallback = (body): Reply => {
      if (rowOf(String(body.text)) === 1 && !refused) {
        refused = true;
        return { status: 429, headers: { 'retry-after': '60' } };
      }
      return accept(body);
    };
    const number = '14155550142';
    const csv = writeCsv(dir, 'people.csv', csvTo([number, number, B]));
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: faults.url });
    const args = ['sms', '--csv', csv, ...TEXT, '--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl'];

    // Row 2 waits for row 1's outcome; --debug says when the client has row 1's 429 (row 3, to
    // another number, may or may not have been requested by then).
    const run = startBin([...args, '--debug'], { env, cwd: dir, timeoutMs: 30_000 });
    const posted = (row: number) => faults.posts().some((p) => rowOf((p.json as { text: string }).text) === row);
    await waitFor(() => run.output().stderr.includes('Message/ → 429'), 'the 429 answer to row 1');
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    expect(posted(2)).toBe(false);

    const resumed = await runBin([...args, '--resume', '--settle', '1'], { env, cwd: dir, timeoutMs: 30_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expectEachQueuedOnceAndOwned(owner, 3);
  });
});
