/**
 * Numbers and money end to end: the built binary against the sandbox over loopback. National
 * numbers with --country, the three forms of --suppress, and --max-cost before a batch and a
 * single send (allowed, refused, and refused for a missing price).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { cleanEnv, runBin } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';

let sandbox: Sandbox;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ deliveryDelayMs: 20, rateLimit: false });
  env = cleanEnv({ PLIVO_API_URL: sandbox.url, PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken });
  dir = mkdtempSync(join(tmpdir(), 'plivo-send-money-'));
});
afterAll(() => sandbox.close());

const posts = () => sandbox.requests().filter((r) => r.method === 'POST' && r.url.includes('/Message/'));
const pricingRequests = () => sandbox.requests().filter((r) => r.url.includes('/Pricing/'));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const SEND = ['--src', '14155550100', '--text', 'Hi {{name}}'];

describe('destinations as people write them', () => {
  it('--country reads national numbers; + and trunk prefixes are understood; the body holds the number as sent', async () => {
    const csv = file('national.csv', 'dst,name\n(415) 555-0101,Ann\n+44 (0) 7400 123456,Bob\n0044 7400 123457,Cy\n14155550102,Di\n');
    const out = await runBin(['sms', '--csv', csv, ...SEND, '--country', 'us', '--dry-run', '--json'], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(lines(out.stdout).map((l) => (l.body as { dst: string }).dst)).toEqual(['14155550101', '447400123456', '447400123457', '14155550102']);
    expect(out.stderr).toMatch(/"countries":\{"US":\{"messages":2,"units":2\},"GB":\{"messages":2,"units":2\}\}/);
  });

  it('a national number without --country is an invalid row whose error names --country; the good rows go on', async () => {
    const csv = file('mixed.csv', 'dst,name\n415 555 0103,Ann\n14155550104,Bob\n203 256 5248,Cy\n');
    const out = await runBin(['sms', '--csv', csv, ...SEND, '--sandbox', '--yes', '--json'], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(6);
    const rows = lines(out.stdout);
    expect(rows.map((r) => r.status)).toEqual(['invalid', 'sent', 'sent']);
    expect(rows[0]!.error).toContain('add --country US (it is then sent as 14155550103)');
    // Without --country, digits are read as Plivo reads them: +20 3 256 5248 is a valid Egyptian number.
    expect(rows[2]!.dst).toBe('2032565248');
  });

  it('refuses an ambiguous number with both readings, and an unknown --country, before anything is sent', async () => {
    const before = posts().length;
    const ambiguous = await runBin(['sms', '--dst', '203 256 5248', '--country', 'US', '--src', '14155550100', '--text', 'Hi'], { env, cwd: dir });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain("'203 256 5248' is ambiguous");
    expect(ambiguous.stderr).toContain('+2032565248 or +12032565248');
    const country = await runBin(['sms', '--dst', '14155550101', '--country', 'XX', '--src', '14155550100', '--text', 'Hi'], { env, cwd: dir });
    expect(country.code).toBe(1);
    expect(country.stderr).toContain("--country 'XX' is not a country code");
    expect(posts().length).toBe(before);
  });

  it('--no-number-check with --country still reads national numbers, and refuses ones that read both ways', async () => {
    const national = await runBin(
      ['sms', '--dst', '(415) 555-0103', '--country', 'US', '--no-number-check', '--src', '14155550100', '--text', 'Hi', '--dry-run', '--json'],
      {
        env,
        cwd: dir,
      },
    );
    expect((JSON.parse(national.stdout) as { body: { dst: string } }).body.dst).toBe('14155550103');
    const both = await runBin(['sms', '--dst', '(555) 123-4567', '--country', 'US', '--no-number-check', '--src', '14155550100', '--text', 'Hi', '--dry-run'], {
      env,
      cwd: dir,
    });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('is ambiguous');
  });

  it('--no-number-check sends a number the metadata does not know', async () => {
    const refused = await runBin(['sms', '--dst', '+44 7700 900123', '--src', '14155550100', '--text', 'Hi', '--dry-run'], { env, cwd: dir });
    expect(refused.code).toBe(1);
    const allowed = await runBin(['sms', '--dst', '+44 7700 900123', '--src', '14155550100', '--text', 'Hi', '--dry-run', '--json', '--no-number-check'], {
      env,
      cwd: dir,
    });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((JSON.parse(allowed.stdout) as { body: { dst: string } }).body.dst).toBe('447700900123');
  });
});

describe('--suppress', () => {
  it('a list of numbers in any form: suppressed rows are reported, never sent, and do not fail the batch', async () => {
    const list = file('stop.txt', '# opted out\n+1 (415) 555-0111\n\n415 555 0112   # asked twice\n');
    const csv = file('s.csv', 'dst,name\n14155550111,Ann\n14155550113,Bob\n14155550112,Cy\n');
    const results = join(dir, 's-results.jsonl');
    const out = await runBin(['sms', '--csv', csv, ...SEND, '--country', 'US', '--suppress', list, '--sandbox', '--yes', '--results', results], {
      env,
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/3 rows, 1 valid, 0 invalid, 2 suppressed/);
    expect(out.stdout).toContain('2 rows suppressed (--suppress): not sent, as asked');
    const rows = lines(readFileSync(results, 'utf8'));
    expect(rows.map((r) => [r.dst, r.status])).toEqual([
      ['14155550111', 'suppressed'],
      ['14155550113', 'sent'],
      ['14155550112', 'suppressed'],
    ]);
  });

  it('a CSV with a dst column, and a single send to a suppressed number is refused (exit 1) naming the list', async () => {
    const list = file('optouts.csv', 'name,dst\nAnn,14155550121\n"Bob, Jr.",+1 415 555 0122\n');
    const before = posts().length;
    const out = await runBin(['sms', '--dst', '14155550122', '--src', '14155550100', '--text', 'Hi', '--suppress', list], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('14155550122 is on the suppression list optouts.csv');
    expect(posts().length).toBe(before);
  });

  it("an earlier run's results: the rows that failed with error 200 (STOP), as report --out wrote them", async () => {
    // 1415555…0200 ends in the sandbox's STOP test number (error 200); the others are delivered.
    const csv = file('campaign.csv', 'dst,name\n14155550200,Ann\n14155550131,Bob\n');
    const first = join(dir, 'campaign.jsonl');
    const sent = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--results', first], { env, cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(() => sandbox.messages().filter((m) => ['failed', 'delivered'].includes(m.message_state)).length >= 2, 'final states');
    const reported = join(dir, 'campaign-report.jsonl');
    const report = await runBin(['report', '--results', first, '--fetch', '--out', reported], { env, cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const again = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--json', '--suppress', reported], { env, cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout).map((r) => [r.dst, r.status])).toEqual([
      ['14155550200', 'suppressed'],
      ['14155550131', 'sent'],
    ]);
  });

  it('a national number in a list without --country is refused with the hint, not kept under a foreign reading', async () => {
    const list = file('national-stop.txt', '# opted out\n(415) 555-0102\n');
    const out = await runBin(['sms', '--dst', '14155550102', '--src', '14155550100', '--text', 'Hi', '--suppress', list], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`--suppress ${list}, line 2: '(415) 555-0102' is not a valid phone number`);
    expect(out.stderr).toContain('add --country US');
    const withCountry = await runBin(['sms', '--dst', '14155550102', '--src', '14155550100', '--text', 'Hi', '--suppress', list, '--country', 'US'], {
      env,
      cwd: dir,
    });
    expect(withCountry.code).toBe(1);
    expect(withCountry.stderr).toContain('14155550102 is on the suppression list national-stop.txt');
  });

  it('a batch --results file without delivery outcomes is refused, saying how to add them', async () => {
    const raw = file('raw.jsonl', '{"row":1,"dst":"14155550200","status":"sent","message_uuid":["x"],"segments":1,"attempts":1}\n');
    const out = await runBin(['sms', '--dst', '14155550200', '--src', '14155550100', '--text', 'Hi', '--suppress', raw], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('has no delivery outcomes');
    expect(out.stderr).toContain(`plivo-send report --results ${raw} --fetch --out`);
  });

  it('a row to several numbers: only the number that replied STOP is suppressed next time', async () => {
    const csv = file('multi.csv', 'dst,name\n14155550141<14155550200,Ann\n');
    const first = join(dir, 'multi.jsonl');
    const sent = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--results', first], { env, cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
    const uuids = (lines(readFileSync(first, 'utf8'))[0]!.message_uuid as string[]).map((u) => u.toLowerCase());
    await waitFor(
      () => sandbox.messages().filter((m) => uuids.includes(m.message_uuid) && ['failed', 'delivered'].includes(m.message_state)).length === 2,
      'final states',
    );
    for (const ext of ['jsonl', 'csv']) {
      const reported = join(dir, `multi-report.${ext}`);
      const report = await runBin(['report', '--results', first, '--fetch', '--out', reported], { env, cwd: dir });
      expect(report.code, report.stderr).toBe(0);
      const again = await runBin(['sms', '--dst', '14155550141<14155550200', '--src', '14155550100', '--text', 'Hi', '--suppress', reported, '--dry-run'], {
        env,
        cwd: dir,
      });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`14155550200 (multi-report.${ext}) is on the suppression list`);
      expect(again.stderr).not.toContain('14155550141 (');
    }
  });

  it('a resume with a list that now holds a number sent earlier keeps that row sent, and sends nothing again', async () => {
    const csv = file('resume.csv', 'dst,name\n14155550151,Ann\n14155550152,Bob\n14155550153,Cy\n');
    const journal = join(dir, 'resume-journal.jsonl');
    const first = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--journal', journal, '--suppress', file('c.txt', '14155550153\n')], { env, cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const postsAfterFirst = posts().length;
    const both = file('a-and-c.txt', '14155550151\n14155550153\n');
    const resumed = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--journal', journal, '--resume', '--json', '--suppress', both], { env, cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lines(resumed.stdout).map((r) => [r.dst, r.status])).toEqual([
      ['14155550151', 'sent'],
      ['14155550152', 'sent'],
      ['14155550153', 'suppressed'],
    ]);
    expect(posts().length).toBe(postsAfterFirst);
    // Without the list, the row never sent goes out; the others are not sent again.
    const last = await runBin(['sms', '--csv', csv, ...SEND, '--yes', '--journal', journal, '--resume', '--json'], { env, cwd: dir });
    expect(last.code, last.stderr).toBe(0);
    expect(lines(last.stdout).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(posts().length).toBe(postsAfterFirst + 1);
  });

  it('a malformed or missing list stops the run with the file and line, nothing sent', async () => {
    const before = posts().length;
    const bad = file('bad.txt', '14155550101\nnot a number\n');
    const out = await runBin(['sms', '--dst', '14155550101', '--src', '14155550100', '--text', 'Hi', '--suppress', bad], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`--suppress ${bad}, line 2: 'not a number' is not a phone number`);
    const missing = await runBin(['sms', '--dst', '14155550101', '--src', '14155550100', '--text', 'Hi', '--suppress', join(dir, 'nope.txt')], {
      env,
      cwd: dir,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--suppress .*nope\.txt: cannot read it: .*ENOENT/);
    expect(posts().length).toBe(before);
  });
});

describe('--max-cost', () => {
  const csv = () => file('cost.csv', 'dst,name\n14155550141,Ann\n14155550142,Bob\n447400123456,Cy\n');

  it('a batch under the ceiling is sent; the plan shows the estimate by country, priced once per country', async () => {
    // A user of their own: an empty price cache.
    const fresh = cleanEnv({ PLIVO_API_URL: sandbox.url, PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken });
    const pricedBefore = pricingRequests().length;
    const out = await runBin(['sms', '--csv', csv(), ...SEND, '--yes', '--max-cost', '1'], { env: fresh, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('Cost: About $0.052 for 3 units; GB 1 × $0.0420 = $0.042, US 2 × $0.0050 = $0.01 (--max-cost $1.00)');
    expect(pricingRequests().length - pricedBefore).toBe(2);
    // A second run within the day asks for no price again (the user cache directory).
    const again = await runBin(['sms', '--csv', csv(), ...SEND, '--dry-run', '--max-cost', '1'], { env: fresh, cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Cost: About $0.052 for 3 units');
    expect(pricingRequests().length - pricedBefore).toBe(2);
  });

  it('a batch above the ceiling is refused with exit 5 naming both amounts; nothing is sent', async () => {
    const before = posts().length;
    const out = await runBin(['sms', '--csv', csv(), ...SEND, '--yes', '--max-cost', '0.05'], { env, cwd: dir });
    expect(out.code).toBe(5);
    expect(out.stderr).toContain('The estimated cost, $0.052 for 3 units, is above --max-cost $0.05. Nothing was sent.');
    expect(posts().length).toBe(before);
  });

  it('a country without a price refuses a send with --max-cost (exit 5, the country named); without it the send goes', async () => {
    const before = posts().length;
    const refused = await runBin(['sms', '--dst', '+41 44 555 12 34', '--src', '14155550100', '--text', 'Grüezi', '--max-cost', '5'], { env, cwd: dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('none could be had for CH (1 unit)');
    expect(posts().length).toBe(before);
    const json = await runBin(['sms', '--dst', '+41 44 555 12 34', '--src', '14155550100', '--text', 'x', '--max-cost', '5', '--json'], { env, cwd: dir });
    expect((JSON.parse(json.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error.code).toBe('max_cost');
    const sent = await runBin(['sms', '--dst', '+41 44 555 12 34', '--src', '14155550100', '--text', 'Grüezi'], { env, cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
  });

  it('a negative or non-numeric amount is refused (exit 1, the flag named) before any request', async () => {
    const before = sandbox.requests().length;
    for (const amount of ['-1', 'ten']) {
      const out = await runBin(['sms', '--dst', '14155550101', '--src', '14155550100', '--text', 'Hi', '--max-cost', amount], { env, cwd: dir });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('--max-cost');
    }
    expect(sandbox.requests().length).toBe(before);
  });

  it('a dry run above --max-cost warns what the real run would do and keeps its own exit code; with --json it asks Plivo nothing', async () => {
    const fresh = cleanEnv({ PLIVO_API_URL: sandbox.url, PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken });
    const before = sandbox.requests().length;
    const json = await runBin(['sms', '--csv', csv(), ...SEND, '--dry-run', '--json', '--max-cost', '0.01'], { env: fresh, cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(sandbox.requests().length).toBe(before);
    expect(json.stderr).toContain('--max-cost was not checked: some prices are not in the price cache.');
    const human = await runBin(['sms', '--csv', csv(), ...SEND, '--dry-run', '--max-cost', '0.01'], { env: fresh, cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain('The real run would refuse to send: The estimated cost, $0.052 for 3 units, is above --max-cost $0.01.');
    // Now cached: the --json dry run prices from the cache, still without a request.
    const requests = sandbox.requests().length;
    const cached = await runBin(['sms', '--csv', csv(), ...SEND, '--dry-run', '--json', '--max-cost', '0.01'], { env: fresh, cwd: dir });
    expect(cached.code, cached.stderr).toBe(0);
    expect(sandbox.requests().length).toBe(requests);
    expect(cached.stderr).toContain('The real run would refuse to send');
  });

  it('a dry run without credentials says the cost was not estimated, and still needs none', async () => {
    const out = await runBin(['sms', '--csv', csv(), ...SEND, '--dry-run', '--max-cost', '1'], { env: cleanEnv(), cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('Cost: not estimated: no credentials');
    expect(out.stderr).toContain('--max-cost was not checked');
  });
});
