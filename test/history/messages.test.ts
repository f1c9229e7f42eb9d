/** `plivo-send messages`: every page of the sandbox's list, its filters, its pace, and a list that breaks part-way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { cleanEnv, runBin, startBin } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';
import { AUTH_ID, AUTH_TOKEN } from '../helpers/io.js';

let sandbox: Sandbox;
let env: Record<string, string>;
/** uuid → destination, in the order sent. */
const sent: Array<{ uuid: string; dst: string; type: string }> = [];

async function send(body: Record<string, unknown>): Promise<void> {
  const auth = Buffer.from(`${sandbox.authId}:${sandbox.authToken}`).toString('base64');
  const response = await fetch(`${sandbox.url}/v1/Account/${sandbox.authId}/Message/`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  const { message_uuid } = (await response.json()) as { message_uuid: string[] };
  sent.push({ uuid: message_uuid[0]!, dst: String(body.dst), type: typeof body.type === 'string' ? body.type : 'sms' });
}

const listRequests = () => sandbox.requests().filter((r) => r.method === 'GET' && /\/Message\/\?/.test(r.url));
const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);

beforeAll(async () => {
  // The sandbox enforces a list limit like Plivo's 20 a minute, scaled down to 2 a second so that
  // three pages need pacing; the client paces itself to the same rate.
  sandbox = await startSandbox({ port: 0, deliveryDelayMs: 5, rateLimit: { requests: 300, windowMs: 5000 }, listRateLimit: { requests: 2, windowMs: 1000 } });
  env = cleanEnv({ PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken, PLIVO_API_URL: sandbox.url, PLIVO_SEND_LIST_RATE: '2/1', TZ: 'UTC' });
  for (let i = 0; i < 40; i++) await send({ src: '14155550100', dst: `1415555${String(1000 + i)}`, text: `hello ${i}` });
  for (let i = 0; i < 3; i++) await send({ src: '14155550100', dst: `1415555200${i}`, type: 'mms', media_urls: ['https://example.com/a.jpg'] });
  await send({ src: '14155550100', dst: '14155550050', text: 'to a failing test number' });
  await send({ src: '14155550100', dst: '14155550070', text: 'to an unavailable test number' });
  await waitFor(() => sandbox.messages().every((m) => ['delivered', 'failed', 'undelivered'].includes(m.message_state)), 'every message final');
}, 60_000);
afterAll(() => sandbox?.close());

describe('plivo-send messages', () => {
  it('reads every page, 20 at a time, newest first, as a table', async () => {
    const before = listRequests().length;
    const out = await runBin(['messages'], { env, timeoutMs: 60_000 });
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+DIR\s+TYPE\s+FROM\s+TO\s+STATE\s+UNITS\s+AMOUNT\s+ERROR\s+UUID$/);
    const uuids = lines.slice(1, -3).map((l) => l.split(/\s+/).at(-1));
    expect(uuids).toEqual(sent.map((s) => s.uuid).reverse());
    expect(out.stdout).toContain('45 messages between');
    expect(out.stdout).toContain('Error 50: Invalid destination number');
    expect(out.stdout).toContain('Error 70: Destination permanently unavailable');
    const requests = listRequests().slice(before);
    expect(requests.map((r) => [query(r.url).limit, query(r.url).offset])).toEqual([
      ['20', '0'],
      ['20', '20'],
      ['20', '40'],
    ]);
    // Plivo's default window, pinned: the last 24 hours up to the start of the run.
    const q = query(requests[0]!.url);
    expect(Date.parse(`${q.message_time__lte}Z`) - Date.parse(`${q.message_time__gte}Z`)).toBeGreaterThanOrEqual(24 * 3600_000);
    // Paced: never a 429 from the sandbox's limit.
    expect(requests.every((r) => r.status === 200)).toBe(true);
  }, 60_000);

  it('passes each filter to Plivo; --json prints the records as JSON Lines', async () => {
    const before = listRequests().length;
    const out = await runBin(['messages', '--type', 'MMS', '--state', 'delivered', '--direction', 'outbound', '--since', '1h', '--json'], {
      env,
      timeoutMs: 60_000,
    });
    expect(out.code, out.stderr).toBe(0);
    const records = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message_uuid: string; message_type: string });
    expect(records.map((r) => r.message_uuid)).toEqual(
      sent
        .filter((s) => s.type === 'mms')
        .map((s) => s.uuid)
        .reverse(),
    );
    expect(out.stderr).toBe('');
    const [request] = listRequests().slice(before);
    expect(query(request!.url)).toMatchObject({ message_type: 'mms', message_state: 'delivered', message_direction: 'outbound', limit: '20', offset: '0' });
  }, 60_000);

  it('--to, --error-code and --country reach the query; the failing test number is found by its code', async () => {
    const before = listRequests().length;
    const out = await runBin(['messages', '--to', '+1 (415) 555-0050', '--error-code', '050', '--country', 'us', '--json'], { env, timeoutMs: 60_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ to_number: '14155550050', message_state: 'failed', error_code: '50' });
    expect(query(listRequests().slice(before)[0]!.url)).toMatchObject({ to_number: '14155550050', error_code: '50', destination_country_iso2: 'US' });
  }, 60_000);

  it('--limit stops at that many in all; --csv prints a header and one row per message', async () => {
    const before = listRequests().length;
    const out = await runBin(['messages', '--limit', '25', '--csv'], { env, timeoutMs: 60_000 });
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'message_time,message_uuid,message_direction,message_type,from_number,to_number,message_state,units,total_rate,total_amount,error_code,error_message',
    );
    expect(lines).toHaveLength(26);
    expect(lines[1]).toContain(sent.at(-1)!.uuid);
    // Each run paces itself; a 429 left by the run before (the sandbox's window is shared) is waited out and asked again.
    const answered = listRequests()
      .slice(before)
      .filter((r) => r.status === 200);
    expect(answered.map((r) => [query(r.url).limit, query(r.url).offset])).toEqual([
      ['20', '0'],
      ['5', '20'],
    ]);
  }, 60_000);

  it('an empty window says so and exits 0', async () => {
    const out = await runBin(['messages', '--since', '2020-01-01', '--until', '2020-01-02T00:00:00Z'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^No messages between 2020-01-01 00:00:00 and 2020-01-02 00:00:00 match the filters\.\n$/);
  });

  it('refuses every bad filter value together, naming its flag, before any request', async () => {
    const before = sandbox.requests().length;
    const out = await runBin(
      ['messages', '--type', 'fax', '--state', 'lost', '--direction', 'sideways', '--country', 'XX', '--since', 'yesterday', '--error-code', 'E50'],
      { env },
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("--type: 'fax' is not a message type: use sms, mms or whatsapp");
    expect(out.stderr).toContain("--state: 'lost' is not a message state");
    expect(out.stderr).toContain("--direction: 'sideways' is not a direction: use inbound or outbound");
    expect(out.stderr).toContain("--country: 'XX' is not a country");
    expect(out.stderr).toContain("--since: 'yesterday' is not a time");
    expect(out.stderr).toContain("--error-code: 'E50' is not a delivery error code");
    expect(sandbox.requests().length).toBe(before);
  });

  it('with --json the refusal is one JSON error listing the problems', async () => {
    const out = await runBin(['messages', '--since', '2024-02-30', '--json'], { env });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'invalid_input', problems: [{ field: '--since' }] } });
  });

  it('--since after --until, and --json with --csv, are refused', async () => {
    const a = await runBin(['messages', '--since', '1h', '--until', '2h'], { env });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('is not before --until');
    const b = await runBin(['messages', '--json', '--csv'], { env });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('--json and --csv are two output formats');
  });
});

describe('plivo-send messages: a list that cannot be read to its end', () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  /** The first offset answered with a 400. */
  let failFrom = 20;
  const scriptedEnv = () => cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: url });
  const records = Array.from({ length: 45 }, (_, i) => ({
    message_uuid: randomUUID(),
    message_state: 'delivered',
    message_type: 'sms',
    message_direction: 'outbound',
    from_number: '14155550100',
    to_number: `1415555${3000 + i}`,
    message_time: new Date(Date.UTC(2024, 7, 21, 18, 0, 0) - i * 60_000).toISOString().replace('T', ' ').replace('Z', '+00:00'),
    error_code: '000',
  }));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
      res.setHeader('content-type', 'application/json');
      if (offset >= failFrom) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ api_id: 'x', error: 'offset is too large' }));
      }
      res.end(
        JSON.stringify({
          api_id: 'x',
          meta: { limit: 20, offset, next: 'more', previous: null, total_count: 45 },
          objects: records.slice(offset, offset + 20),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints what it read, says how far it got and where to continue, and exits non-zero', async () => {
    failFrom = 20;
    seen.length = 0;
    const out = await runBin(['messages', '--json'], { env: scriptedEnv() });
    expect(out.code).toBe(1);
    expect(out.stdout.trim().split('\n')).toHaveLength(20);
    const error = (JSON.parse(out.stderr) as { error: { message: string; hint: string; messages_read: number; messages_total: number } }).error;
    expect(error.message).toBe('The list is incomplete: read 20 of 45 messages (1 page), then Plivo rejected the request (400): offset is too large');
    expect(error.hint).toContain('--until 2024-08-21T17:41:01Z');
    expect(error).toMatchObject({ messages_read: 20, messages_total: 45 });
    expect(seen).toHaveLength(2);
  });

  it('says first how long a slow read will take; Ctrl-C stops it, says how far it got, exits 130', async () => {
    failFrom = Infinity;
    const run = startBin(['messages'], { env: { ...scriptedEnv(), PLIVO_SEND_LIST_RATE: '1/60' }, timeoutMs: 60_000 });
    await waitFor(() => run.output().stderr.includes('Plivo allows 20 list requests a minute'), 'the estimate');
    expect(run.output().stderr).toMatch(/45 messages to read in 3 pages: Plivo allows 20 list requests a minute, so this takes about 2 min\./);
    run.child.kill('SIGINT');
    const out = await run.done;
    expect(out.code).toBe(130);
    expect(out.stdout.trim().split('\n')).toHaveLength(21);
    expect(out.stderr).toContain('Stopped after 20 of 45 messages (1 page).');
    expect(out.stderr).toMatch(/continue with the same filters and --until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  }, 60_000);
});

describe('plivo-send messages: records in another time zone', () => {
  it("warns that the window was sent as UTC when Plivo's records carry another offset", async () => {
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          api_id: 'x',
          meta: { limit: 20, offset: 0, next: null, previous: null, total_count: 1 },
          objects: [
            {
              message_uuid: randomUUID(),
              message_state: 'delivered',
              message_type: 'sms',
              message_direction: 'outbound',
              from_number: '14155550100',
              to_number: '14155550101',
              message_time: '2024-08-21 18:28:49.244057+05:30',
              error_code: '000',
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = await runBin(['messages'], { env: cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: url }) });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain("Plivo's records carry times at +05:30");
      expect(out.stderr).toContain('Widen the window by 05:30 on each side');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
