/**
 * A resume's lookups of rows whose outcome is unknown, in-process against a scripted Plivo on
 * 127.0.0.1: which record may settle which row, and when "not found" may lead to a re-send.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plivoTime, type FaultServer, type Reply, useFaultServer } from '../helpers/fault-server.js';
import { dstOf, jsonLines, peopleCsv, runBatchCli, serverEnv, tempDir, writeCsv, TEXT } from './harness.js';

let server: FaultServer;
let dir: string;
useFaultServer((s) => {
  server = s;
  dir = tempDir();
});

const SAME = '14155550142';

function batch(csv: string, args: string[], env: Record<string, string> = {}) {
  const path = writeCsv(dir, 'people.csv', csv);
  return runBatchCli(['sms', '--csv', path, ...TEXT, '--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl', ...args], {
    env: { ...serverEnv(server.url), ...env },
    cwd: dir,
  });
}

/** The i-th POST to `dst` gets `replies[dst][i]`, then 202. */
function scriptByDst(replies: Record<string, Reply[]>): void {
  const seen = new Map<string, number>();
  server.fallback = (body) => {
    const dst = String(body.dst);
    const n = seen.get(dst) ?? 0;
    seen.set(dst, n + 1);
    return replies[dst]?.[n] ?? { status: 202 };
  };
}

const results = () => jsonLines(readFileSync(join(dir, 'results.jsonl'), 'utf8'));
const journal = () => jsonLines(readFileSync(join(dir, 'j.jsonl'), 'utf8'));

describe('two unresolved rows to one number', () => {
  it("row 1 failed (503) without being queued, row 2 failed (503) after being queued: the resume gives row 2's message to neither and sends nothing", async () => {
    const csv = `dst,name,code\n${SAME},Ada,1\n${SAME},Bob,2\n`;
    // A journal as older versions could leave it: both rows' requests out at once. It is made
    // from a real run's header and body hashes (every answer a 400), then rewritten.
    server.fallback = () => ({ status: 400 });
    expect((await batch(csv, [])).code).toBe(6);
    const [header, ...records] = journal();
    const inflight = records.filter((r) => r.t === 'inflight');
    const t1 = Date.now() - 5000;
    const t2 = t1 + 300;
    const rewritten = [
      header,
      { ...inflight[0], at: new Date(t1).toISOString() },
      { ...inflight[1], at: new Date(t2).toISOString() },
      { t: 'unknown', row: 1, error: 'Plivo answered with a server error (503)', attempts: 1 },
      { t: 'unknown', row: 2, error: 'Plivo answered with a server error (503)', attempts: 1 },
    ];
    writeFileSync(join(dir, 'j.jsonl'), rewritten.map((r) => `${JSON.stringify(r)}\n`).join(''));
    server.reset();
    server.messages.push({
      message_uuid: 'row-2-message',
      to_number: SAME,
      from_number: '14155550100',
      message_state: 'queued',
      message_time: plivoTime(t2 + 200),
      message_type: 'sms',
      error_code: '000',
      units: 1,
    });

    const resumed = await batch(csv, ['--resume', '--timeout', '1']);
    expect(resumed.code, resumed.stderr).toBe(6);
    // Not one message twice and one never: nothing sent, both rows left to check by hand.
    expect(server.posts()).toHaveLength(0);
    expect(results().map((r) => [r.row, r.status])).toEqual([
      [1, 'unknown'],
      [2, 'unknown'],
    ]);
    expect(results()[0]!.error).toMatch(/row-2-message to 14155550142 could as well be row 2's/);
    expect(journal().filter((r) => r.t === 'sent')).toHaveLength(0);
  });
});

describe('a record not found once is not proof', () => {
  it('a list lagging 3 s behind the queue, resumed at once: looked at again, found, not sent twice', async () => {
    server.listLagMs = 3000;
    scriptByDst({ [dstOf(2)]: [{ reset: 'after-accept' }] });
    expect((await batch(peopleCsv(3), ['--timeout', '2'])).code).toBe(6);
    const resumed = await batch(peopleCsv(3), ['--resume', '--timeout', '2']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(server.posts().filter((p) => (p.json as { dst: string }).dst === dstOf(2))).toHaveLength(1);
    expect(server.messages.filter((m) => m.to_number === dstOf(2))).toHaveLength(1);
    expect(results()[1]).toMatchObject({ row: 2, status: 'sent', message_uuid: [server.messages.find((m) => m.to_number === dstOf(2))!.message_uuid] });
  });

  it('a row that was never queued is sent again only after a second look', async () => {
    scriptByDst({ [dstOf(2)]: [{ status: 503 }] });
    expect((await batch(peopleCsv(3), ['--timeout', '1'])).code).toBe(6);
    const resumed = await batch(peopleCsv(3), ['--resume', '--timeout', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/Nothing found yet for 1 unknown row, but Plivo's list can lag behind its queue: looking again in 1 s/);
    expect(server.lists().length).toBeGreaterThanOrEqual(2);
    expect(server.messages.filter((m) => m.to_number === dstOf(2))).toHaveLength(1);
  });

  it('a list request answered 429 is waited out, not given up', async () => {
    scriptByDst({ [dstOf(2)]: [{ reset: 'after-accept' }] });
    expect((await batch(peopleCsv(3), ['--timeout', '1'])).code).toBe(6);
    server.scriptList({ status: 429 }, { status: 429 }, { status: 429, headers: { 'retry-after': '1' } });
    // Paced as if Plivo allowed 20 list requests per 2 s, to keep the test short.
    const resumed = await batch(peopleCsv(3), ['--resume', '--timeout', '1'], { PLIVO_SEND_LIST_RATE: '20/2' });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(results().map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(server.messages).toHaveLength(3);
  });
});

describe('a 202 without uuids', () => {
  it('makes the row unknown, not sent with no uuid; the resume checks it', async () => {
    scriptByDst({ [dstOf(2)]: [{ status: 202, body: { api_id: 'a', message: 'message(s) queued', message_uuid: [] } }] });
    const first = await batch(peopleCsv(3), ['--timeout', '1']);
    expect(first.code).toBe(6);
    expect(results()[1]).toMatchObject({
      row: 2,
      status: 'unknown',
      error: expect.stringMatching(/Plivo answered 202, but it holds 0 message uuid/) as string,
    });
    const resumed = await batch(peopleCsv(3), ['--resume', '--timeout', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(results()[1]).toMatchObject({ row: 2, status: 'sent', message_uuid: [server.messages.find((m) => m.to_number === dstOf(2))!.message_uuid] });
  });
});

describe("this machine's clock stepped between a run and its resume", () => {
  it("a record that today places before the attempt, but the run (on Plivo's clock) after it, is left unknown: never re-sent", async () => {
    const csv = `dst,name,code\n${SAME},Ada,1\n`;
    server.fallback = () => ({ status: 400 });
    expect((await batch(csv, [])).code).toBe(6);
    const [header, inflight] = journal();
    // The run's clock was 3 s fast: it journalled its attempt 3 s late, and measured Plivo's clock
    // 3 s behind its own (within 10 ms). Plivo queued the message 50 ms after the real attempt.
    const real = Date.now() - 5000;
    const rewritten = [
      header,
      { ...inflight, at: new Date(real + 3000).toISOString(), plivo: [-3010, -2990] },
      { t: 'unknown', row: 1, error: 'Plivo answered with a server error (503)', attempts: 1 },
    ];
    writeFileSync(join(dir, 'j.jsonl'), rewritten.map((r) => `${JSON.stringify(r)}\n`).join(''));
    server.reset();
    server.messages.push({
      message_uuid: 'its-own-message',
      to_number: SAME,
      from_number: '14155550100',
      message_state: 'queued',
      message_time: plivoTime(real + 50),
      message_type: 'sms',
      error_code: '000',
      units: 1,
    });

    const resumed = await batch(csv, ['--resume', '--timeout', '1', '--settle', '0']);
    expect(resumed.code, resumed.stderr).toBe(6);
    expect(server.posts()).toHaveLength(0);
    expect(results().map((r) => [r.row, r.status])).toEqual([[1, 'unknown']]);
  });
});
