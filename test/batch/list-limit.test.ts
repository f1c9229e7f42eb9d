/**
 * A resume with many unknown rows against the sandbox's emulation of the message list's limit
 * (20 requests a minute, here in a 2 s window so the test is short): the rows are looked up in a
 * few paced requests and every one ends resolved. The first run goes through a proxy that turns
 * every answer into a 500, after passing the even rows on to the sandbox (queued, answer lost)
 * and keeping the odd ones back (never queued).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { jsonLines, runBatchCli, tempDir, writeCsv } from './harness.js';

const ROWS = 40;
const dst = (i: number) => `1415666${String(1000 + i).padStart(4, '0')}`;

let sandbox: Sandbox;
let proxy: http.Server;
let proxyUrl: string;
let faults = true;

/** Forwards a request to the sandbox and its answer back (with the sandbox's Date header). */
function forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse | undefined, onAnswer?: () => void): void {
  const upstream = http.request(`${sandbox.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      if (res) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      }
      onAnswer?.();
    });
  });
  upstream.end(body);
}

beforeAll(async () => {
  sandbox = await startSandbox({ deliveryDelayMs: 50, rateLimit: false, listRateLimit: { requests: 20, windowMs: 2000 } });
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!faults || req.method !== 'POST') return forward(req, body, res);
      const fail = () => {
        res.writeHead(500, { 'content-type': 'application/json', date: new Date().toUTCString() });
        res.end('{"error":"internal error"}');
      };
      const row = Number((JSON.parse(body.toString()) as { dst: string }).dst.slice(-4)) - 1000;
      if (row % 2 === 0) forward(req, body, undefined, fail);
      else fail();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await sandbox.close();
});

/** Other traffic on the account since the rows' attempts: the window to read is dense. */
async function otherTraffic(count: number): Promise<void> {
  const auth = `Basic ${Buffer.from(`${sandbox.authId}:${sandbox.authToken}`).toString('base64')}`;
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${sandbox.url}/v1/Account/${sandbox.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ src: '14155550100', dst: `1415777${String(1000 + i).padStart(4, '0')}`, text: 'other', type: 'sms' }),
    });
    await response.arrayBuffer();
  }
}

describe("a resume of 40 unknown rows under the list endpoint's 20 requests per window", () => {
  it('looks them up in a few paced requests (no 429), finds the queued ones, re-sends the others once: every row sent exactly once', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 'people.csv', `dst,name,code\n${Array.from({ length: ROWS }, (_, i) => `${dst(i + 1)},Name${i + 1},${i + 1}`).join('\n')}\n`);
    // Paced at 20 per 3 s against a sandbox that allows 20 per 2 s: a second of margin, so that a
    // stall of the busy test machine cannot turn the pacing into a 429.
    const env = { PLIVO_AUTH_ID: sandbox.authId, PLIVO_AUTH_TOKEN: sandbox.authToken, PLIVO_API_URL: proxyUrl, PLIVO_SEND_LIST_RATE: '20/3' };
    const args = [
      'sms',
      '--csv',
      csv,
      '--src',
      '14155550100',
      '--text',
      'Hi {{name}}, code {{code}}',
      '--yes',
      '--journal',
      'j.jsonl',
      '--results',
      'results.jsonl',
      '--timeout',
      '1',
    ];

    const first = await runBatchCli(args, { env, cwd: dir });
    expect(first.code).toBe(6);
    expect(jsonLines(readFileSync(join(dir, 'results.jsonl'), 'utf8')).every((r) => r.status === 'unknown')).toBe(true);
    expect(sandbox.messages()).toHaveLength(ROWS / 2);

    faults = false;
    await otherTraffic(300);
    const listsBefore = sandbox.requests().filter((r) => r.method === 'GET').length;
    const resumed = await runBatchCli([...args, '--resume'], { env, cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/Checking 40 unknown rows in Plivo's message list: about \d+ list requests, ~\d+ s at Plivo's 20 per 3 s\./);

    const lists = sandbox
      .requests()
      .filter((r) => r.method === 'GET')
      .slice(listsBefore);
    expect(lists.filter((r) => r.status === 429)).toEqual([]);
    // More than one window's worth: the pacing, not luck, kept them under the limit.
    expect(lists.length).toBeGreaterThan(20);
    expect(lists.length).toBeLessThan(3 * ROWS);

    const rows = jsonLines(readFileSync(join(dir, 'results.jsonl'), 'utf8'));
    expect(rows.map((r) => r.status)).toEqual(Array(ROWS).fill('sent'));
    for (let i = 1; i <= ROWS; i++) {
      const queued = sandbox.messages().filter((m) => m.to_number === dst(i));
      expect(queued, `row ${i}`).toHaveLength(1);
      expect(rows[i - 1]!.message_uuid).toEqual([queued[0]!.message_uuid]);
    }
  }, 120_000);
});
