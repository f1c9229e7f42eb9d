/**
 * The send pass with a scripted client and journal in-process: failures that a real Plivo (or the
 * fault server) cannot cause, such as a bug throwing inside a row's send, or a journal that stops
 * taking writes between a row's request and its outcome record; and 429s counted exactly.
 */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from '../../src/io.js';
import type { MessageBody } from '../../src/core/message.js';
import type { Attempt, PlivoClient } from '../../src/transport/client.js';
import { CsvInput } from '../../src/batch/input.js';
import { compileTemplate } from '../../src/batch/template.js';
import { JournalWriter, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalRecord } from '../../src/batch/journal.js';
import { Limiter, RateWindow, Semaphore, StopSignal, systemClock } from '../../src/batch/limiter.js';
import { MAX_AHEAD, runSendPass, type SendContext } from '../../src/batch/sender.js';
import type { RowResult } from '../../src/batch/results.js';
import type { BatchInput } from '../../src/batch/runner.js';
import { dstOf, jsonLines, peopleCsv, tempDir, writeCsv } from './harness.js';
import { waitFor } from '../helpers/wait.js';

function setup(rows: number, attemptSend: (body: MessageBody) => Promise<Attempt>, journal: JournalWriter | undefined, dir = tempDir(), concurrency = 1) {
  const io: Io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), env: {}, cwd: dir, homedir: dir };
  const compiled = compileTemplate('Hi {{name}}, code {{code}}');
  if (!compiled.ok) throw new Error(compiled.problem);
  const batch: BatchInput = {
    type: 'sms',
    input: new CsvInput(writeCsv(dir, 'people.csv', peopleCsv(rows)), io),
    defaults: { type: 'sms', src: '14155550100' },
    template: compiled.template,
    csvOptions: {},
  };
  const halt = new StopSignal();
  const emitted: RowResult[] = [];
  const client = { attemptSend, close: () => undefined } as unknown as PlivoClient;
  const ctx: SendContext = {
    client,
    // Pauses after a 429 of 1 ms (then 4, 16 …): the tests count pauses, not wait for them.
    limiter: new Limiter(new RateWindow({ rate: 1000, pauseMs: 1 }), systemClock, halt),
    slots: new Semaphore(concurrency * 2),
    requests: new Semaphore(concurrency),
    clock: systemClock,
    backoff: () => 0,
    journal,
    index: undefined,
    halt,
    hardStop: new StopSignal(),
    graceMs: 10_000,
    settleMs: 0,
    maxAttempts: 5,
    emit: (r) => emitted.push(r),
    ready: () => undefined,
    onRowDone: () => undefined,
  };
  return { batch, ctx, emitted };
}

/** A journal for a batch of people.csv, written at `path`. */
function testJournal(path: string): Promise<JournalWriter> {
  return JournalWriter.create(path, {
    journal: JOURNAL_FORMAT,
    version: JOURNAL_VERSION,
    created: '',
    type: 'sms',
    account: 'MA',
    api_url: 'http://127.0.0.1:1',
    options_hash: '0123456789abcdef',
    options: {},
    csv: 'people.csv',
  });
}

const rateLimited: Attempt = { kind: 'rate-limited', status: 429, retryAfterMs: undefined, message: 'too many requests' };
const accepted = (uuid: string): Attempt => ({ kind: 'accepted', status: 202, response: { api_id: 'a', message: 'message(s) queued', message_uuid: [uuid] } });

describe('runSendPass', () => {
  it('a Ctrl-C after every row was taken still ends the wait: a second one closes the client, the rows in flight end unknown', async () => {
    let closed!: () => void;
    const closing = new Promise<Attempt>((resolve) => {
      closed = () => resolve({ kind: 'unknown', code: 'ECONNRESET', message: 'socket closed' });
    });
    let started = 0;
    const attemptSend = (): Promise<Attempt> => {
      started++;
      return closing;
    };
    const { batch, ctx, emitted } = setup(2, attemptSend, undefined, tempDir(), 2);
    ctx.client = { attemptSend, close: () => closed() } as unknown as PlivoClient;
    let interrupted = false;
    const pass = runSendPass(batch, ctx, new Map(), () => interrupted);
    await waitFor(() => started === 2, 'both requests out');
    // Every row is taken: the signal comes while the pass waits for the requests in flight.
    interrupted = true;
    ctx.halt.stop();
    ctx.hardStop.stop();
    const result = await pass;
    expect(result.interrupted).toBe(true);
    expect(emitted.map((r) => r.status)).toEqual(['unknown', 'unknown']);
  });

  it('an unexpected error inside a row reports that row unknown (journalled so) and every later row still goes out', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.jsonl');
    const journal = await testJournal(path);
    const { batch, ctx, emitted } = setup(
      4,
      async (body) => {
        if (body.dst === dstOf(2)) throw new TypeError('boom');
        return accepted(`u-${body.dst}`);
      },
      journal,
      dir,
    );
    const result = await runSendPass(batch, ctx, new Map(), () => false);
    await journal.close();
    expect(result).toEqual({ interrupted: false, abort: undefined, rows: 4 });
    expect(emitted.map((r) => [r.row, r.status])).toEqual([
      [1, 'sent'],
      [2, 'unknown'],
      [3, 'sent'],
      [4, 'sent'],
    ]);
    expect(emitted[1]).toMatchObject({
      attempts: 1,
      error: expect.stringMatching(/^unexpected error: TypeError: boom; the request may have been sent, so it was not retried/),
    });
    const records = jsonLines(readFileSync(path, 'utf8'));
    expect(records.filter((r) => r.row === 2).map((r) => [r.t, r.error])).toEqual([
      ['inflight', undefined],
      ['unknown', 'unexpected error: TypeError: boom'],
    ]);
  });

  it('when the outcome record cannot be written, the row is reported unknown (not its would-be status) and the batch stops', async () => {
    const written: JournalRecord[] = [];
    let broken = false;
    const journal = {
      write: async (record: JournalRecord) => {
        if (broken || (record.t === 'sent' && record.row === 2)) {
          broken = true;
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        }
        written.push(record);
      },
      close: async () => undefined,
    } as unknown as JournalWriter;
    const { batch, ctx, emitted } = setup(4, async (body) => accepted(`u-${body.dst}`), journal);
    const result = await runSendPass(batch, ctx, new Map(), () => false);
    expect(result.abort).toEqual({ kind: 'journal', message: 'the journal could not be written (ENOSPC)' });
    expect(emitted.map((r) => [r.row, r.status])).toEqual([
      [1, 'sent'],
      [2, 'unknown'],
      [3, 'failed'],
      [4, 'failed'],
    ]);
    expect(emitted[1]).not.toHaveProperty('message_uuid');
    expect(emitted[1]!.error).toBe(
      `the journal could not be written (ENOSPC) after the request was made, so its outcome is not recorded (Plivo's answer: sent (message_uuid u-${dstOf(2)})); a resume looks it up before re-sending`,
    );
    expect(emitted[2]!.error).toBe('not sent: the journal could not be written (ENOSPC)');
  });

  it('a row refused with 429 is retried for as long as other requests get through, beyond the retries setting', async () => {
    let refusals = 0;
    const { batch, ctx, emitted } = setup(
      12,
      async (body) => {
        if (body.dst === dstOf(1) && refusals < 4) {
          refusals++;
          return rateLimited;
        }
        return accepted(`u-${body.dst}`);
      },
      undefined,
      tempDir(),
      2,
    );
    const result = await runSendPass(batch, { ...ctx, maxAttempts: 3 }, new Map(), () => false);
    expect(result.abort).toBeUndefined();
    expect(emitted.every((r) => r.status === 'sent')).toBe(true);
    expect(emitted[0]).toMatchObject({ row: 1, status: 'sent', attempts: 5 });
  });

  it('when no request gets through `retries` pauses in a row, the batch stops: one request per pause, that row failed, the rest not sent', async () => {
    const { batch, ctx, emitted } = setup(4, async () => rateLimited, undefined);
    const result = await runSendPass(batch, { ...ctx, maxAttempts: 3 }, new Map(), () => false);
    const why = 'Plivo kept rate limiting (429): no request got through 2 pauses in a row';
    expect(result.abort).toEqual({ kind: 'rate-limited', message: why });
    expect(emitted.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(emitted.reduce((sum, r) => sum + r.attempts, 0)).toBe(3);
    expect(
      emitted.filter((r) =>
        /^not sent: Plivo is still rate limiting \(429\): too many requests; no request got through 2 pauses in a row, after \d attempts$/.test(r.error!),
      ),
    ).toHaveLength(1);
    expect(emitted.at(-1)!.error).toBe(`not sent: ${why}`);
  });
});

describe('rows to a number whose earlier row ended unknown', () => {
  it('a row that waited for room in the reorder buffer meanwhile is held back, not sent', async () => {
    const dir = tempDir();
    const A = '14155550142';
    // Row 1 to A, then MAX_AHEAD rows to other numbers, then a last row to A: it is read (and
    // finds A free) while row 1 is still out, and waits for room until row 1 has ended unknown.
    let csv = `dst,name,code\n${A},First,1\n`;
    for (let i = 2; i <= MAX_AHEAD + 1; i++) csv += `1415${String(2_000_000 + i)},N${i},${i}\n`;
    csv += `${A},Last,${MAX_AHEAD + 2}\n`;
    let others = 0;
    let releaseFirst!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (releaseFirst = resolve));
    const posted: string[] = [];
    const { batch, ctx, emitted } = setup(
      1,
      async (body) => {
        posted.push(body.dst);
        if (body.dst === A && posted.filter((d) => d === A).length === 1) {
          await firstAnswered;
          return { kind: 'unknown', code: 'HTTP_500', status: 500, message: 'Internal Server Error' };
        }
        if (body.dst !== A && ++others === MAX_AHEAD) setTimeout(releaseFirst, 200);
        return accepted(`u-${body.dst}`);
      },
      undefined,
      dir,
      4,
    );
    writeCsv(dir, 'people.csv', csv);
    ctx.limiter = new Limiter(new RateWindow({ rate: 100_000, pauseMs: 1 }), systemClock, ctx.halt);
    await runSendPass(batch, ctx, new Map(), () => false);
    expect(posted.filter((d) => d === A)).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ row: 1, status: 'unknown' });
    expect(emitted.at(-1)).toMatchObject({
      row: MAX_AHEAD + 2,
      status: 'failed',
      attempts: 0,
      error: expect.stringMatching(/an earlier row \(row 1\) to 14155550142 has an unknown outcome/),
    });
  }, 60_000);
});

describe('a pause after a 429', () => {
  it('the first request after it marks the journal written (its mtime), so a resume after a kill -9 waits for it', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.jsonl');
    const journal = await testJournal(path);
    let refusedAt = 0;
    let mtimeAtRetry = 0;
    const { batch, ctx, emitted } = setup(
      1,
      async (body) => {
        if (refusedAt === 0) {
          refusedAt = Date.now();
          return rateLimited;
        }
        mtimeAtRetry = statSync(path).mtimeMs;
        return accepted(`u-${body.dst}`);
      },
      journal,
      dir,
    );
    ctx.limiter = new Limiter(new RateWindow({ rate: 1000, pauseMs: 100 }), systemClock, ctx.halt);
    await runSendPass(batch, ctx, new Map(), () => false);
    await journal.close();
    expect(emitted.map((r) => r.status)).toEqual(['sent']);
    // Nothing was journalled between the 429 and the retry: only the touch moves the mtime.
    expect(mtimeAtRetry).toBeGreaterThanOrEqual(refusedAt + 50);
  });
});
