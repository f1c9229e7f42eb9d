// A large live batch against a local server that injects faults, killed with SIGKILL halfway and
// resumed (twice: the resume meets faults too): checks that every row is accounted for exactly once. `node bench/fault-run.js [rows]`
// (default 100,000). Prints the figures; exits 1 if any row was sent twice or lost.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { batchArgs } from './lib.js';
import { makeCsv, TMP } from './dry-run.js';

const rows = Number(process.argv[2] ?? 100_000);
const csv = await makeCsv(rows);
const journal = join(TMP, 'fault-journal.jsonl');
const results = join(TMP, 'fault-results.jsonl');
rmSync(journal, { force: true });
rmSync(`${journal}.lock`, { force: true });
rmSync(results, { force: true });

// Faults by destination, so that they repeat on resume where Plivo's would not: a row's fate is
// decided by its number. 1 in 500: 500 without queueing (first try only); 1 in 700: queued, then
// the connection reset (the answer is lost); 1 in 1000: 400. And 429, as Plivo answers it: for the
// whole account, past a rate (here 600 requests in any second, below the batch's --rate 1000), with
// no Retry-After.
const LIMIT_PER_SECOND = 600;
const starts = [];
const queued = new Map(); // dst → uuids
const all = []; // every queued message, oldest first: the account-wide list
let refused = 0;
const seen500 = new Set();
let posts = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET') {
      // Plivo's list: newest first, filtered by to_number when given, 20 a page.
      const to = url.searchParams.get('to_number');
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const matching = (to ? (queued.get(to) ?? []) : all).slice().reverse();
      const objects = matching.slice(offset, offset + 20).map((m) => ({
        message_uuid: m.uuid,
        to_number: m.to,
        from_number: '14155550100',
        message_type: 'sms',
        message_state: 'queued',
        message_time: m.time,
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      const next = offset + 20 < matching.length ? 'next' : null;
      return res.end(JSON.stringify({ api_id: randomUUID(), meta: { limit: 20, offset, next, previous: null, total_count: matching.length }, objects }));
    }
    posts++;
    const dst = JSON.parse(body).dst;
    const n = Number(dst.slice(4));
    const accept = () => {
      const message = { uuid: randomUUID(), to: dst, time: new Date().toISOString().replace('T', ' ').replace('Z', '000+00:00') };
      queued.set(dst, [...(queued.get(dst) ?? []), message]);
      all.push(message);
      return message.uuid;
    };
    const reply = (status, payload) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api_id: randomUUID(), ...payload }));
    };
    if (n % 1000 === 7) return reply(400, { error: `'${dst}' is not a valid phone number.` });
    const now = Date.now();
    while (starts.length > 0 && starts[0] <= now - 1000) starts.shift();
    if (starts.length >= LIMIT_PER_SECOND) {
      refused++;
      return reply(429, { error: 'too many requests' });
    }
    starts.push(now);
    if (n % 500 === 11 && !seen500.has(dst)) {
      seen500.add(dst);
      return reply(500, { error: 'internal error' });
    }
    if (n % 700 === 13 && !queued.has(dst)) {
      accept();
      return req.socket.destroy();
    }
    setTimeout(() => reply(202, { message: 'message(s) queued', message_uuid: [accept()] }), 20);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
// This server has no list limit: the lookups need not pace at Plivo's 20 a minute.
const env = {
  ...process.env,
  PLIVO_AUTH_ID: 'MABENCHBENCHBENCH001',
  PLIVO_AUTH_TOKEN: 'bench-token',
  PLIVO_API_URL: `http://127.0.0.1:${server.address().port}`,
  NO_COLOR: '1',
  PLIVO_SEND_LIST_RATE: '1000/1',
};
const args = batchArgs(csv, '--yes', '--concurrency', '50', '--rate', '1000', '--journal', journal, '--results', results, '--timeout', '2');

const run = (extra, killAfterPosts) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...args, ...extra], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterPosts
      ? setInterval(() => {
          if (posts >= killAfterPosts) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 5)
      : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, seconds: (Date.now() - started) / 1000, stderr });
    });
  });

const first = await run([], Math.floor(rows / 2));
const postsFirst = posts;
const second = await run(['--resume']);
const postsSecond = posts;
// The resume meets faults of its own (unknown rows): one more resume looks those up.
const third = await run(['--resume']);
server.close();

const lines = readFileSync(results, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const byStatus = {};
for (const r of lines) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
let twice = 0;
let lost = 0;
let mismatched = 0;
for (const r of lines) {
  const q = queued.get(r.dst) ?? [];
  if (q.length > 1) twice++;
  if (r.status === 'sent' && (q.length !== 1 || r.message_uuid?.[0] !== q[0].uuid)) mismatched++;
  // Reported failed or invalid although Plivo queued it: a lie about money.
  if ((r.status === 'failed' || r.status === 'invalid') && q.length > 0) lost++;
}
const inOrder = lines.every((r, i) => r.row === i + 1);
const report = {
  rows,
  first_run: { signal: first.signal, seconds: first.seconds, posts: postsFirst },
  resume: {
    code: second.code,
    seconds: second.seconds,
    posts: postsSecond - postsFirst,
    looked_up: /Checking (\d[\d,]*) unknown rows?/.exec(second.stderr)?.[1] ?? '0',
  },
  second_resume: {
    code: third.code,
    seconds: third.seconds,
    posts: posts - postsSecond,
    looked_up: /Checking (\d[\d,]*) unknown rows?/.exec(third.stderr)?.[1] ?? '0',
  },
  answered_429: refused,
  results: { lines: lines.length, in_order: inOrder, ...byStatus },
  queued_twice: twice,
  queued_but_reported_failed: lost,
  sent_without_matching_queued_message: mismatched,
};
console.log(JSON.stringify(report, null, 2));
process.exitCode = twice === 0 && lost === 0 && mismatched === 0 && lines.length === rows && inOrder ? 0 : 1;
