/** Batch sends run in-process against a scripted Plivo on 127.0.0.1 (real HTTP, no mocked got). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultServer, type Reply, useFaultServer } from '../helpers/fault-server.js';
import { waitFor } from '../helpers/wait.js';
import { AUTH_ID, AUTH_TOKEN, dstOf, jsonLines, peopleCsv, runBatchCli, serverEnv, tempDir, writeCsv, TEXT } from './harness.js';
import type { FakeOptions } from '../helpers/io.js';

let server: FaultServer;
let dir: string;
useFaultServer((s) => {
  server = s;
  dir = tempDir();
});

function batch(csv: string, args: string[] = [], options: FakeOptions = {}) {
  const path = writeCsv(dir, 'people.csv', csv);
  return runBatchCli(['sms', '--csv', path, ...TEXT, ...args], { env: serverEnv(server.url), cwd: dir, ...options });
}

/** Scripts replies by destination: the i-th POST to `dst` gets `replies[dst][i]`, then 202. */
function scriptByDst(replies: Record<string, Reply[]>): void {
  const seen = new Map<string, number>();
  server.fallback = (body) => {
    const dst = String(body.dst);
    const n = seen.get(dst) ?? 0;
    seen.set(dst, n + 1);
    return replies[dst]?.[n] ?? { status: 202 };
  };
}

const postsTo = (dst: string) => server.posts().filter((p) => (p.json as { dst: string }).dst === dst);
const uuidOf = (dst: string) => server.messages.filter((m) => m.to_number === dst).map((m) => m.message_uuid);
const results = (name = 'results.jsonl') => jsonLines(readFileSync(join(dir, name), 'utf8'));
const NOT_REACHED = 'not sent: the batch was interrupted before this row';

describe('batch send', () => {
  it('sends one request per row and writes results in input order, whatever order rows finish in', async () => {
    // Row 1 answers last, row 2 second to last: the results must still start with row 1.
    scriptByDst({ [dstOf(1)]: [{ status: 202, delayMs: 250 }], [dstOf(2)]: [{ status: 202, delayMs: 120 }] });
    const out = await batch(peopleCsv(12), ['--yes', '--concurrency', '4', '--results', 'results.jsonl']);
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()).toHaveLength(12);
    expect(postsTo(dstOf(3))[0]!.json).toEqual({ src: '14155550100', dst: dstOf(3), text: 'Hi Name3, code 3', type: 'sms' });
    const rows = results();
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const r of rows) {
      expect(r).toEqual({ row: r.row, dst: dstOf(r.row as number), status: 'sent', message_uuid: uuidOf(dstOf(r.row as number)), segments: 1, attempts: 1 });
    }
    expect(out.stdout).toMatch(/^✓ Sent 12 of 12 rows · 12 units sent\n/);
    expect(out.stderr).toMatch(/Plan for .*people\.csv \(sms\): 12 rows, 12 valid, 0 invalid/);
    expect(statSync(join(dir, 'results.jsonl')).mode & 0o777).toBe(0o600);
  });

  it('--json: stdout holds only the per-row JSON Lines; plan and summary go to stderr', async () => {
    const out = await batch(peopleCsv(3), ['--yes', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const rows = jsonLines(out.stdout);
    expect(rows.map((r) => [r.row, r.status])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
      [3, 'sent'],
    ]);
    const err = jsonLines(out.stderr);
    expect(err[0]).toMatchObject({ plan: { rows: 3, valid: 3, requests: 3, units: { 'GSM-7': 3 } } });
    expect(err.at(-1)).toEqual({ summary: { rows: 3, sent: 3, failed: 0, invalid: 0, unknown: 0, suppressed: 0, units: 3, not_reached: 0 } });
  });

  it('a batch that gets nothing through retries + 1 pauses of 429 stops: exit 4, the row not sent', async () => {
    scriptByDst({ [dstOf(2)]: Array.from({ length: 10 }, () => ({ status: 429, headers: { 'retry-after': '0' } })) });
    const out = await batch(peopleCsv(3), ['--yes', '--results', 'results.jsonl'], { config: { retries: 1 } });
    expect(out.code, out.stderr).toBe(4);
    expect(out.stderr).toMatch(/Plivo kept rate limiting \(429\); the batch stopped/);
    expect(postsTo(dstOf(2))).toHaveLength(2);
    expect(results()[1]).toMatchObject({
      row: 2,
      status: 'failed',
      attempts: 2,
      error: expect.stringMatching(/^not sent: Plivo is still rate limiting \(429\).*, after 2 attempts$/),
    });
  });

  it('retries a 429 (honouring Retry-After) and reports the row sent after 2 attempts', async () => {
    scriptByDst({ [dstOf(2)]: [{ status: 429, headers: { 'retry-after': '0' } }] });
    const out = await batch(peopleCsv(3), ['--yes', '--results', 'results.jsonl']);
    expect(out.code, out.stderr).toBe(0);
    expect(postsTo(dstOf(2))).toHaveLength(2);
    expect(results()[1]).toMatchObject({ row: 2, status: 'sent', attempts: 2, message_uuid: uuidOf(dstOf(2)) });
  });

  it('a 500 makes the row unknown and it is never retried; a 400 makes it failed', async () => {
    scriptByDst({
      [dstOf(2)]: [{ status: 500 }],
      [dstOf(3)]: [{ status: 400, body: { api_id: 'a1', error: `'${dstOf(3)}' is not a valid phone number.` } }],
    });
    const out = await batch(peopleCsv(4), ['--yes', '--results', 'results.jsonl']);
    expect(out.code).toBe(6);
    expect(postsTo(dstOf(2))).toHaveLength(1);
    expect(postsTo(dstOf(3))).toHaveLength(1);
    const rows = results();
    expect(rows.map((r) => r.status)).toEqual(['sent', 'unknown', 'failed', 'sent']);
    expect(rows[1]).toMatchObject({ attempts: 1, error: expect.stringMatching(/^Plivo answered with a server error \(500\).*may have been queued/) });
    expect(rows[1]).not.toHaveProperty('message_uuid');
    expect(rows[2]).toMatchObject({ attempts: 1, error: `Plivo rejected the request (400): '${dstOf(3)}' is not a valid phone number.` });
    expect(out.stdout).toMatch(/Sent 2 of 4 rows/);
    expect(out.stdout).toMatch(/1 failed · 0 invalid · 1 unknown/);
    expect(out.stdout).toMatch(/1 row may have been queued \(unknown\)/);
  });

  it('reports bad rows invalid, with reasons, while the good rows go out', async () => {
    const csv = `dst,name,code\n${dstOf(1)},Ada,1\n123,Bob,2\n${dstOf(3)},,3\n${dstOf(4)},Dee\n${dstOf(5)},Eve,5\n`;
    const out = await batch(csv, ['--yes', '--results', 'results.jsonl']);
    expect(out.code).toBe(6);
    expect(server.posts().map((p) => (p.json as { dst: string }).dst)).toEqual([dstOf(1), dstOf(5)]);
    const rows = results();
    expect(rows.map((r) => r.status)).toEqual(['sent', 'invalid', 'invalid', 'invalid', 'sent']);
    expect(rows[1]).toEqual({
      row: 2,
      dst: '123',
      status: 'invalid',
      segments: null,
      attempts: 0,
      error: "dst: '123' is too short for a phone number with its country code",
    });
    expect(rows[2]!.error).toBe("text: {{name}} is blank in this row; fill the 'name' cell or remove the row");
    expect(rows[3]!.error).toMatch(/^csv: the row has 2 cells but the header has 3 columns/);
    expect(out.stderr).toMatch(/row 2: dst: '123' is too short/);
  });

  it('--dry-run --json: one line per row, no request, no credentials; exit 6 when a row is invalid', async () => {
    const csv = `dst,name,code\n${dstOf(1)},Ada,1\n123,Bob,2\n`;
    const path = writeCsv(dir, 'people.csv', csv);
    const out = await runBatchCli(['sms', '--csv', path, ...TEXT, '--dry-run', '--json'], { env: {}, cwd: dir });
    expect(out.code).toBe(6);
    expect(server.requests).toHaveLength(0);
    expect(jsonLines(out.stdout)).toEqual([
      { row: 1, status: 'valid', encoding: 'GSM-7', segments: 1, body: { src: '14155550100', dst: dstOf(1), text: 'Hi Ada, code 1', type: 'sms' } },
      {
        row: 2,
        status: 'invalid',
        error: "dst: '123' is too short for a phone number with its country code",
        problems: [{ field: 'dst', message: "'123' is too short for a phone number with its country code" }],
      },
    ]);
    const clean = await runBatchCli(['sms', '--csv', writeCsv(dir, 'ok.csv', peopleCsv(2)), ...TEXT, '--dry-run'], { env: {}, cwd: dir });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^✓ row 1 → 14155551001 · GSM-7, 1 segment · "Hi Name1, code 1"\n✓ row 2/);
  });

  it('without a terminal and without --yes it refuses (exit 5) and sends nothing', async () => {
    const out = await batch(peopleCsv(2));
    expect(out.code).toBe(5);
    expect(out.stderr).toMatch(/Sending 2 messages \(2 units\) needs confirmation, and there is no terminal to ask on/);
    expect(server.requests).toHaveLength(0);
  });

  it('on a terminal it asks, and sends only on yes', async () => {
    const no = await batch(peopleCsv(2), [], { stdin: 'n\n', stdinTTY: true, stderrTTY: true });
    expect(no.code).toBe(5);
    expect(no.stderr).toMatch(/Send 2 messages \(2 units\)\? \[y\/N\] /);
    // The cost is looked up (a GET) before the question; nothing is sent.
    expect(server.posts()).toHaveLength(0);
    const yes = await batch(peopleCsv(2), [], { stdin: 'y\n', stdinTTY: true, stderrTTY: true });
    expect(yes.code, yes.stderr).toBe(0);
    expect(server.posts()).toHaveLength(2);
  });

  it('never starts more than --rate requests in any one-second window (server timestamps)', async () => {
    const out = await batch(peopleCsv(30), ['--yes', '--rate', '10']);
    expect(out.code, out.stderr).toBe(0);
    const at = server
      .posts()
      .map((p) => p.at)
      .sort((a, b) => a - b);
    expect(at).toHaveLength(30);
    // Starts are at least a second apart ten by ten; arrivals may lag their starts on a busy
    // machine (a late first arrival brings it closer to the eleventh), so the windows measured
    // here leave 300 ms for that. A limiter letting 2 × --rate through around a second's boundary
    // would still put 11 or more in one of them.
    let max = 0;
    for (let i = 0, j = 0; j < at.length; j++) {
      while (at[j]! - at[i]! >= 700) i++;
      max = Math.max(max, j - i + 1);
    }
    expect(max).toBeLessThanOrEqual(10);
  });

  it('writes CSV results when the path ends in .csv, neutralising formula cells', async () => {
    const csv = `dst,name,code\n${dstOf(1)},Ada,1\n"=cmd|' /C calc'!A0",Bob,2\n`;
    const out = await batch(csv, ['--yes', '--results', 'results.csv']);
    expect(out.code).toBe(6);
    const lines = readFileSync(join(dir, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('row,dst,status,message_uuid,segments,attempts,error');
    expect(lines[1]).toBe(`1,${dstOf(1)},sent,${uuidOf(dstOf(1))[0]},1,1,`);
    expect(lines[2]).toMatch(/^2,'=cmd\|' \/C calc'!A0,invalid,,,0,/);
  });

  it('reads the CSV from stdin (--csv -), twice, through a private spool that is removed', async () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('plivo-send-csv-'));
    const out = await runBatchCli(['sms', '--csv', '-', ...TEXT, '--yes', '--json'], {
      env: serverEnv(server.url),
      cwd: dir,
      stdin: peopleCsv(5, { crlf: true }),
    });
    expect(out.code, out.stderr).toBe(0);
    expect(jsonLines(out.stdout).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(server.posts()).toHaveLength(5);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('plivo-send-csv-'))).toEqual(before);
  });

  it('stops at a 401: the remaining rows are reported not sent, exit 2', async () => {
    server.fallback = () => ({ status: 401, raw: 'Unauthorized', headers: { 'content-type': 'text/plain' } });
    const out = await batch(peopleCsv(5), ['--yes', '--concurrency', '1', '--results', 'results.jsonl']);
    expect(out.code).toBe(2);
    expect(server.posts()).toHaveLength(1);
    const rows = results();
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(rows[1]!.error).toBe('not sent: Plivo rejected the credentials (401)');
    expect(out.stderr).toMatch(/Plivo rejected the credentials \(401\); the batch stopped/);
    expect(out.stdout + out.stderr).not.toContain(AUTH_TOKEN);
  });

  it('mms and whatsapp batches: media_urls and template columns set each row’s content', async () => {
    const mms = writeCsv(dir, 'mms.csv', `dst,media_urls\n${dstOf(1)},"https://e.com/a.jpg,https://e.com/b.jpg"\n${dstOf(2)},\n`);
    const out = await runBatchCli(['mms', '--csv', mms, '--src', '14155550100', '--media-url', 'https://e.com/default.png', '--yes', '--json'], {
      env: serverEnv(server.url),
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts().map((p) => (p.json as { media_urls: string[] }).media_urls)).toEqual([
      ['https://e.com/a.jpg', 'https://e.com/b.jpg'],
      ['https://e.com/default.png'],
    ]);
    const wa = writeCsv(dir, 'wa.csv', `dst,template\n${dstOf(3)},"{""name"":""order_update"",""language"":""en_US""}"\n`);
    const sent = await runBatchCli(['whatsapp', '--csv', wa, '--src', '14155550100', '--yes'], { env: serverEnv(server.url), cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
    expect(server.posts()[2]!.json).toEqual({ src: '14155550100', dst: dstOf(3), type: 'whatsapp', template: { name: 'order_update', language: 'en_US' } });
  });

  it('refuses a batch with no dst column before reading further (exit 1, nothing sent)', async () => {
    const out = await batch('name,code\nAda,1\n', ['--yes']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/csv: no 'dst' column \(the header is: name, code\)/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses broken CSV quoting before anything is sent', async () => {
    const out = await batch(`dst,name,code\n${dstOf(1)},Ada,1\n${dstOf(2)},"Bob,2\n`, ['--yes']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/is not valid CSV: .*Nothing was sent/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('journal and resume', () => {
  it('journals every row (0600, no token), and a resume after an unknown looks it up instead of re-sending', async () => {
    // Row 2: Plivo queues it but the connection drops before the answer.
    scriptByDst({ [dstOf(2)]: [{ reset: 'after-accept' }] });
    const first = await batch(peopleCsv(4), ['--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl']);
    expect(first.code).toBe(6);
    expect(results().map((r) => r.status)).toEqual(['sent', 'unknown', 'sent', 'sent']);
    expect(first.stderr).toMatch(
      /To finish it .*:\n {2}plivo-send sms --csv \S+people\.csv --text 'Hi \{\{name\}\}, code \{\{code\}\}' --src 14155550100 --results results\.jsonl --journal j\.jsonl --yes --resume\n/,
    );
    const journalText = readFileSync(join(dir, 'j.jsonl'), 'utf8');
    expect(statSync(join(dir, 'j.jsonl')).mode & 0o777).toBe(0o600);
    expect(journalText).not.toContain(AUTH_TOKEN);
    const records = jsonLines(journalText);
    expect(records[0]).toMatchObject({ journal: 'plivo-send batch journal', version: 1, type: 'sms', account: AUTH_ID });
    for (let row = 1; row <= 4; row++) {
      expect(records.filter((r) => r.row === row).map((r) => r.t)).toEqual(['inflight', row === 2 ? 'unknown' : 'sent']);
    }

    const second = await batch(peopleCsv(4), ['--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl', '--resume', '--timeout', '1']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/Resuming: 3 rows already sent \(journal\), 1 row to look up/);
    expect(postsTo(dstOf(2))).toHaveLength(1); // found in the message list, not sent again
    expect(server.posts()).toHaveLength(4);
    const rows = results();
    expect(rows.map((r) => [r.row, r.status])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
      [3, 'sent'],
      [4, 'sent'],
    ]);
    for (const r of rows) expect(r.message_uuid).toEqual(uuidOf(dstOf(r.row as number)));
  });

  it('a resume re-sends an unknown row that the message list does not show', async () => {
    scriptByDst({ [dstOf(2)]: [{ reset: 'before-accept' }] });
    expect((await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl'])).code).toBe(6);
    const again = await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl', '--resume', '--json', '--timeout', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(postsTo(dstOf(2))).toHaveLength(2);
    expect(uuidOf(dstOf(2))).toHaveLength(1);
    expect(jsonLines(again.stdout)[1]).toMatchObject({ row: 2, status: 'sent', attempts: 1 });
  });

  it("a resume does not take another row's message to the same number for the row it checks", async () => {
    // Rows 1 and 3 go to the same number; row 3's request never reached Plivo.
    const csv = `dst,name,code\n${dstOf(1)},Ada,1\n${dstOf(2)},Bob,2\n${dstOf(1)},Ada,3\n`;
    let seen = 0;
    server.fallback = (body) => (body.dst === dstOf(1) && seen++ === 1 ? { reset: 'before-accept' } : { status: 202 });
    const first = await batch(csv, ['--yes', '--concurrency', '1', '--journal', 'j.jsonl']);
    expect(first.code).toBe(6);
    expect(server.messages).toHaveLength(2);
    const again = await batch(csv, ['--yes', '--journal', 'j.jsonl', '--resume', '--json', '--timeout', '1']);
    expect(again.code, again.stderr).toBe(0);
    const rows = jsonLines(again.stdout);
    expect(uuidOf(dstOf(1))).toHaveLength(2);
    expect(new Set([...(rows[0]!.message_uuid as string[]), ...(rows[2]!.message_uuid as string[])])).toEqual(new Set(uuidOf(dstOf(1))));
  });

  it("a resume does not take a multi-number row's message for a row to one of its numbers", async () => {
    // Row 1 goes to A<B and is sent; row 2 goes to A alone and never reaches Plivo.
    const csv = `dst,name,code\n${dstOf(1)}<${dstOf(2)},Ada,1\n${dstOf(1)},Bob,2\n`;
    scriptByDst({ [dstOf(1)]: [{ reset: 'before-accept' }] });
    const first = await batch(csv, ['--yes', '--journal', 'j.jsonl']);
    expect(first.code).toBe(6);
    const rowOne = uuidOf(dstOf(1));
    expect(rowOne).toHaveLength(1);
    const again = await batch(csv, ['--yes', '--journal', 'j.jsonl', '--resume', '--json', '--timeout', '1']);
    expect(again.code, again.stderr).toBe(0);
    // Row 1's message to A is not row 2's: row 2 is sent again.
    expect(postsTo(dstOf(1))).toHaveLength(2);
    expect(uuidOf(dstOf(1))).toHaveLength(2);
    const rows = jsonLines(again.stdout);
    expect(rows[1]).toMatchObject({ row: 2, status: 'sent' });
    expect(rows[1]!.message_uuid).not.toEqual(rowOne);
  });

  it('a resume waits the settle time from the journal’s last write, not from a row’s in-flight time', async () => {
    scriptByDst({ [dstOf(2)]: [{ reset: 'before-accept' }] });
    expect((await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl'])).code).toBe(6);
    // Row 2's in-flight record says an hour ago (its request may have gone out much later: the
    // rate limiter's wait, retries and backoff come after that record); the journal was written now.
    const path = join(dir, 'j.jsonl');
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"at":"[^"]+"/g, `"at":"${hourAgo}"`));
    const again = await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl', '--resume', '--timeout', '1']);
    expect(again.stderr).toMatch(/Waiting 1 s before checking 1 unknown row\(s\)/);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a second run on a journal in use is refused (exit 1, naming the pid and the lock file) and sends nothing', async () => {
    server.delayMs = 100;
    const csvPath = writeCsv(dir, 'people.csv', peopleCsv(6));
    const args = ['sms', '--csv', csvPath, ...TEXT, '--yes', '--concurrency', '1', '--journal', 'j.jsonl'];
    const running = runBatchCli([...args, '--results', 'results.jsonl'], { env: serverEnv(server.url), cwd: dir });
    await waitFor(() => server.posts().length >= 1, 'the first request');
    const second = await runBatchCli([...args, '--resume', '--timeout', '1', '--results', 'second.jsonl'], { env: serverEnv(server.url), cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`The journal j.jsonl is in use by another plivo-send run (pid ${process.pid}, lock file j.jsonl.lock). Nothing was sent.`);
    expect(existsSync(join(dir, 'second.jsonl'))).toBe(false);
    const first = await running;
    expect(first.code, first.stderr).toBe(0);
    for (let i = 1; i <= 6; i++) expect(postsTo(dstOf(i)), `row ${i}`).toHaveLength(1);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
  });

  it('takes over the lock of a run that died (and says so), and removes its lock when it ends, also on an error', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'j.jsonl.lock'), `${dead}\n`);
    const out = await batch(peopleCsv(2), ['--yes', '--journal', 'j.jsonl']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`Took over the lock file j.jsonl.lock left by pid ${dead}, which is no longer running`);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
    const again = await batch(peopleCsv(2), ['--yes', '--journal', 'j.jsonl']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/The journal j\.jsonl already exists/);
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);
  });

  it('refuses to resume with other options or another CSV, and to overwrite a journal', async () => {
    expect((await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl'])).code).toBe(0);
    const otherText = await runBatchCli(
      ['sms', '--csv', join(dir, 'people.csv'), '--src', '14155550100', '--text', 'Hello {{name}}', '--yes', '--journal', 'j.jsonl', '--resume'],
      {
        env: serverEnv(server.url),
        cwd: dir,
      },
    );
    expect(otherText.code).toBe(1);
    expect(otherText.stderr).toMatch(/was written with different message options \(--text\)/);
    const otherCsv = await batch(peopleCsv(3).replace('Name2', 'Someone'), ['--yes', '--journal', 'j.jsonl', '--resume', '--timeout', '1']);
    expect(otherCsv.code).toBe(1);
    expect(otherCsv.stderr).toMatch(/Row 2 of \S+people\.csv does not render to the request the journal recorded/);
    const overwrite = await batch(peopleCsv(3), ['--yes', '--journal', 'j.jsonl']);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr).toMatch(/The journal j\.jsonl already exists/);
    expect(server.posts()).toHaveLength(3);
  });

  it('Ctrl-C stops taking rows, waits for requests in flight, prints the resume command; the resume finishes', async () => {
    server.delayMs = 150;
    let press = (): void => undefined;
    const interrupted = batch(peopleCsv(20), ['--yes', '--concurrency', '2', '--journal', 'j.jsonl', '--results', 'results.jsonl'], {
      onStart: (i) => (press = i),
    });
    await waitFor(() => server.posts().length >= 4, 'four requests');
    press();
    const first = await interrupted;
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/Stopping: no new rows are sent/);
    expect(first.stderr).toMatch(/The batch was interrupted\. To finish it .*\n {2}plivo-send sms .*--journal j\.jsonl --yes --resume\n/);
    const sentFirst = server.posts().length;
    expect(sentFirst).toBeLessThan(20);
    // Every request that went out finished inside the grace period: all reported sent, in order;
    // every row not reached still has its line (not sent), and no journal record.
    const partial = results();
    expect(partial.map((r) => r.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(partial.slice(0, sentFirst).every((r) => r.status === 'sent')).toBe(true);
    for (const r of partial.slice(sentFirst)) {
      expect(r).toEqual({
        row: r.row,
        dst: dstOf(r.row as number),
        status: 'failed',
        segments: 1,
        attempts: 0,
        error: 'not sent: the batch was interrupted before this row',
      });
    }
    expect(first.stdout).toContain(`Sent ${sentFirst} of 20 rows`);
    expect(first.stdout).toContain(`0 failed · 0 invalid · 0 unknown · ${20 - sentFirst} not reached`);
    // A row not reached has no record, or (when it was already journalled in flight, waiting for
    // a request slot) its in-flight record closed by a `failed` one with no attempt.
    const records = jsonLines(readFileSync(join(dir, 'j.jsonl'), 'utf8'));
    for (let row = sentFirst + 1; row <= 20; row++) {
      const own = records.filter((r) => r.row === row);
      expect(
        own.map((r) => r.t),
        `row ${row}`,
      ).toEqual(own.length === 0 ? [] : ['inflight', 'failed']);
      if (own.length > 0) expect(own[1]!.attempts, `row ${row}`).toBe(0);
    }
    expect(existsSync(join(dir, 'j.jsonl.lock'))).toBe(false);

    server.delayMs = 0;
    const second = await batch(peopleCsv(20), ['--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl', '--resume', '--timeout', '1']);
    expect(second.code, second.stderr).toBe(0);
    expect(server.posts()).toHaveLength(20);
    for (let i = 1; i <= 20; i++) expect(postsTo(dstOf(i))).toHaveLength(1);
    expect(results().map((r) => r.status)).toEqual(Array(20).fill('sent'));
  });

  it('a second Ctrl-C stops waiting: requests in flight end unknown, and the resume finds them queued', async () => {
    // Queued when answered, 1.5 s after they came in: clearly after their attempts, beyond what
    // one-second Date headers leave uncertain, so no clock probe (slow on a busy machine) is needed.
    server.delayMs = 1500;
    let press = (): void => undefined;
    const interrupted = batch(peopleCsv(6), ['--yes', '--concurrency', '2', '--journal', 'j.jsonl', '--results', 'results.jsonl'], {
      onStart: (i) => (press = i),
    });
    await waitFor(() => server.posts().length >= 2, 'two requests');
    press();
    press();
    const first = await interrupted;
    expect(first.code).toBe(130);
    expect(results().map((r) => [r.row, r.status])).toEqual([
      [1, 'unknown'],
      [2, 'unknown'],
      [3, 'failed'],
      [4, 'failed'],
      [5, 'failed'],
      [6, 'failed'],
    ]);
    expect(results()[2]!.error).toBe('not sent: the batch was interrupted before this row');
    // Plivo had received both requests and queues them, though nobody hears the answer.
    await waitFor(() => server.messages.length >= 2, 'both messages to be queued');
    server.delayMs = 0;
    const second = await batch(peopleCsv(6), ['--yes', '--journal', 'j.jsonl', '--results', 'results.jsonl', '--resume', '--timeout', '1']);
    expect(second.code, `${second.stderr}\n${readFileSync(join(dir, 'results.jsonl'), 'utf8')}`).toBe(0);
    expect(second.stderr).toMatch(/2 rows to look up/);
    for (let i = 1; i <= 6; i++) {
      expect(postsTo(dstOf(i)), `row ${i}`).toHaveLength(1);
      expect(uuidOf(dstOf(i)), `row ${i}`).toHaveLength(1);
    }
    expect(results().map((r) => r.status)).toEqual(Array(6).fill('sent'));
  });

  it('after a Ctrl-C every row still gets its line: invalid stays invalid, rows sent earlier stay sent, the rest are not sent (and never requested)', async () => {
    const csv = `dst,name,code\n${dstOf(1)},Ada,1\n${dstOf(2)},Bob,2\n${dstOf(3)},Cy,3\n123,Dee,4\n${dstOf(5)},Eve,5\n`;
    // First run: rows 1 and 2 are rejected (400), rows 3 and 5 are sent, row 4 is invalid.
    scriptByDst({ [dstOf(1)]: [{ status: 400 }, { status: 202, delayMs: 300 }], [dstOf(2)]: [{ status: 400 }] });
    expect((await batch(csv, ['--yes', '--journal', 'j.jsonl'])).code).toBe(6);
    const sentThree = uuidOf(dstOf(3));
    // The resume sends row 1 again (slowly); Ctrl-C comes while row 2 waits for the only slot.
    let press = (): void => undefined;
    const resumed = batch(csv, ['--yes', '--concurrency', '1', '--journal', 'j.jsonl', '--resume', '--results', 'results.jsonl'], {
      onStart: (i) => (press = i),
    });
    await waitFor(() => postsTo(dstOf(1)).length >= 2, 'the second request to row 1');
    press();
    const second = await resumed;
    expect(second.code).toBe(130);
    expect(results()).toEqual([
      { row: 1, dst: dstOf(1), status: 'sent', message_uuid: uuidOf(dstOf(1)), segments: 1, attempts: 1 },
      { row: 2, dst: dstOf(2), status: 'failed', segments: 1, attempts: 0, error: NOT_REACHED },
      { row: 3, dst: dstOf(3), status: 'sent', message_uuid: sentThree, segments: 1, attempts: 1 },
      { row: 4, dst: '123', status: 'invalid', segments: null, attempts: 0, error: "dst: '123' is too short for a phone number with its country code" },
      { row: 5, dst: dstOf(5), status: 'sent', message_uuid: uuidOf(dstOf(5)), segments: 1, attempts: 1 },
    ]);
    expect(postsTo(dstOf(2))).toHaveLength(1);
    const records = jsonLines(readFileSync(join(dir, 'j.jsonl'), 'utf8'));
    // Row 2: the first run's pair, and maybe a second pair closed with no attempt (it was
    // journalled in flight while it waited for the request slot); never a second request.
    const rowTwo = records.filter((r) => r.row === 2).map((r) => r.t);
    expect([
      ['inflight', 'failed'],
      ['inflight', 'failed', 'inflight', 'failed'],
    ]).toContainEqual(rowTwo);
    expect(second.stdout).toMatch(/Sent 3 of 5 rows/);
    expect(second.stdout).toMatch(/0 failed · 1 invalid · 0 unknown · 1 not reached/);
  });

  it('with --dry-run the journal is neither read nor written', async () => {
    const out = await batch(peopleCsv(2), ['--dry-run', '--journal', 'j.jsonl', '--resume']);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/--journal, --resume are ignored with --dry-run/);
    expect(existsSync(join(dir, 'j.jsonl'))).toBe(false);
  });
});
