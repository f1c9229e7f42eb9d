/** `plivo-send report`: a batch sent to the sandbox (some to failing test numbers), summed from events and Plivo's records. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { cleanEnv, runBin } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';
import { parseAmount, formatAmount, type Summary } from '../../src/history/summary.js';

let sandbox: Sandbox;
let env: Record<string, string>;
let dir: string;
/** destination → uuid */
const uuidOf = new Map<string, string>();

/** What `report --json` prints: the summary, and what was read to make it. */
type Report = Summary & { events: { used: number; ignored: number; skipped: number }; fetched: number };

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, deliveryDelayMs: 5, rateLimit: false });
  env = cleanEnv({ PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken, PLIVO_API_URL: sandbox.url });
  dir = mkdtempSync(join(tmpdir(), 'plivo-send-report-'));
  // Two delivered, one failed (0050: invalid destination), one undelivered (0070), one two-segment
  // text, and one row that is not a phone number (invalid, never sent).
  writeFileSync(join(dir, 'batch.csv'), `dst,text\n14155550101,hi\n14155550050,hi\n14155550070,hi\nnot-a-number,hi\n14155550102,${'x'.repeat(200)}\n`);
  const sent = await runBin(['sms', '--csv', 'batch.csv', '--src', '14155550100', '--results', 'results.jsonl', '--yes'], { env, cwd: dir });
  expect(sent.code, sent.stderr).toBe(6);
  await waitFor(
    () => sandbox.messages().length === 4 && sandbox.messages().every((m) => ['delivered', 'failed', 'undelivered'].includes(m.message_state)),
    'final states',
  );
  for (const m of sandbox.messages()) uuidOf.set(m.to_number, m.message_uuid);
}, 60_000);
afterAll(() => sandbox?.close());

function expectedAmount(): string {
  const total = sandbox.messages().reduce((sum, m) => sum + parseAmount(m.total_amount)!.units, 0n);
  return formatAmount(total, 5);
}

/** A status callback as `listen --out` writes it. */
function event(uuid: string, status: string, sequence: number, extra: Record<string, string> = {}): string {
  const record = sandbox.messages().find((m) => m.message_uuid === uuid)!;
  return JSON.stringify({
    event: 'status',
    received_at: new Date(Date.UTC(2024, 7, 21, 18, 0, sequence)).toISOString(),
    MessageUUID: uuid,
    To: record.to_number,
    From: record.from_number,
    Status: status,
    Units: String(record.units),
    TotalRate: record.total_rate,
    TotalAmount: record.total_amount,
    Sequence: String(sequence),
    ...extra,
  });
}

describe('plivo-send report', () => {
  it('--fetch: looks every message up and sums states, error codes, units and the amount charged', async () => {
    const out = await runBin(['report', '--results', 'results.jsonl', '--fetch', '--json'], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as Report;
    expect(report).toMatchObject({
      rows: 5,
      rows_not_sent: { invalid: 1 },
      sent: 4,
      delivered: 2,
      undelivered: 1,
      failed: 1,
      pending: 0,
      fetched: 4,
      units: 5,
      amount: expectedAmount(),
      amount_known: 4,
    });
    expect(report.errors).toEqual([
      { code: '50', meaning: 'Invalid destination number', count: 1 },
      { code: '70', meaning: 'Destination permanently unavailable', count: 1 },
    ]);
    expect(sandbox.requests().filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(4);
  });

  it('events alone: the highest Sequence wins, a broken line is skipped with its number, the rest is pending', async () => {
    const delivered = uuidOf.get('14155550101')!;
    const failed = uuidOf.get('14155550050')!;
    writeFileSync(
      join(dir, 'events.jsonl'),
      [
        event(delivered, 'delivered', 3),
        event(delivered, 'queued', 1), // arrives late, but is older
        '{"event": "status", "MessageUUID": ',
        JSON.stringify({ event: 'inbound', received_at: new Date().toISOString(), MessageUUID: 'in-1', From: '14155550109', Text: 'STOP' }),
        event(failed, 'sent', 2),
        event(failed, 'failed', 4, { ErrorCode: '50', TotalAmount: '0.00000' }),
        '',
      ].join('\n'),
    );
    const before = sandbox.requests().length;
    const out = await runBin(['report', '--results', 'results.jsonl', '--events', 'events.jsonl'], { env: cleanEnv(), cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(sandbox.requests().length).toBe(before);
    expect(out.stderr).toContain('events.jsonl line 3: not JSON; skipped.');
    expect(out.stdout).toMatch(/Sent +4 +\(1 row not sent: 1 invalid\)/);
    expect(out.stdout).toMatch(/Delivered +1\n/);
    expect(out.stdout).toMatch(/Failed +1\n/);
    expect(out.stdout).toMatch(/Pending +2 +\(2 unknown\)/);
    expect(out.stdout).toMatch(/50 +Invalid destination number +1/);
    expect(out.stdout).toContain('(known for 2 of 4 messages)');
    expect(out.stderr).toContain('Add --fetch to look up the pending messages in Plivo.');
  });

  it('--out rewrites the results with state, error_code and amount per row (CSV for .csv, 0600)', async () => {
    const out = await runBin(['report', '--results', 'results.jsonl', '--events', 'events.jsonl', '--fetch', '--out', 'report.csv', '--json'], {
      env,
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ fetched: 2, events: { used: 4, ignored: 1, skipped: 1 } });
    const lines = readFileSync(join(dir, 'report.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,dst,status,message_uuid,segments,attempts,error,state,error_code,amount,stopped');
    expect(lines[2]).toMatch(new RegExp(`^2,14155550050,sent,${uuidOf.get('14155550050')},1,1,,failed,50,0\\.00000,$`));
    expect(lines[3]).toMatch(/^3,14155550070,sent,[0-9a-f-]{36},1,1,,undelivered,70,0\.00500,$/);
    expect(lines[4]).toMatch(/^4,not-a-number,invalid,,,0,.+,,,,$/);
    expect(lines[5]).toMatch(/,delivered,,0\.01000,$/);
    expect(statSync(join(dir, 'report.csv')).mode & 0o777).toBe(0o600);
    // and back to JSON Lines, read from the CSV just written
    const again = await runBin(['report', '--results', 'report.csv', '--out', 'again.jsonl'], { env: cleanEnv(), cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const first = JSON.parse(readFileSync(join(dir, 'again.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ row: 1, dst: '14155550101', status: 'sent', message_uuid: [uuidOf.get('14155550101')] });
  });

  it('a file that is not a results file is refused with what to give instead', async () => {
    const out = await runBin(['report', '--results', 'batch.csv'], { env: cleanEnv(), cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("batch.csv is not a results file of plivo-send: its header (dst, text) has no 'row' and 'status' columns.");
    expect(out.stderr).toContain('Give --results the file a batch send wrote with --results');
    writeFileSync(join(dir, 'other.jsonl'), '{"message_uuid": "x"}\n');
    const json = await runBin(['report', '--results', 'other.jsonl', '--json'], { env: cleanEnv(), cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'not_results_file' } });
  });

  it('refuses a missing file, no --results, and an --out that is one of its inputs, writing nothing', async () => {
    const missing = await runBin(['report', '--results', 'nope.jsonl'], { env: cleanEnv(), cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read --results');
    expect(missing.stderr).toContain('no such file or directory (ENOENT)');
    const none = await runBin(['report'], { env: cleanEnv(), cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('report needs --results <path>');
    const before = readFileSync(join(dir, 'results.jsonl'), 'utf8');
    const same = await runBin(['report', '--results', 'results.jsonl', '--out', './results.jsonl'], { env: cleanEnv(), cwd: dir });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('--out results.jsonl is the file given to --results');
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8')).toBe(before);
  });

  it('--fetch without credentials exits 2 before reading anything', async () => {
    const out = await runBin(['report', '--results', 'results.jsonl', '--fetch'], { env: cleanEnv(), cwd: dir });
    expect(out.code).toBe(2);
  });
});
