// A live batch of 2,000 rows against a local server that answers after 50 ms, concurrency 50,
// journal on — against the official plivo SDK driven by p-limit at the same concurrency. Both run
// once unmeasured, then `runs` times, alternating which goes first; the figures are medians (a
// shared machine's load moves single runs by a third).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { batchArgs, BIN, median, ROOT, runMeasured } from './lib.js';
import { makeCsv, TMP } from './dry-run.js';

const AUTH_ID = 'MABENCHBENCHBENCH001';
const AUTH_TOKEN = 'bench-token';

async function startSlowServer(delayMs) {
  let posts = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') posts++;
      setTimeout(() => {
        if (req.method === 'GET' && req.url.includes('/Pricing/')) {
          // plivo-send prices a batch before sending it (cached for a day in the user cache directory).
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ api_id: randomUUID(), country_iso: 'US', message: { outbound: { rate: '0.00500' }, outbound_networks_list: [] } }));
          return;
        }
        res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ api_id: randomUUID(), message: 'message(s) queued', message_uuid: [randomUUID()] }));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    posts: () => posts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

export async function measureLiveBatch({ rows = 2000, concurrency = 50, delayMs = 50, runs = 5 } = {}) {
  const csv = await makeCsv(rows);
  const server = await startSlowServer(delayMs);
  // A HOME of its own: the price cache a user has after their first batch of the day (warmed below).
  const home = join(TMP, 'live-batch-home');
  const env = {
    ...process.env,
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    PLIVO_AUTH_ID: AUTH_ID,
    PLIVO_AUTH_TOKEN: AUTH_TOKEN,
    PLIVO_API_URL: server.url,
    NO_COLOR: '1',
  };
  const warm = await runMeasured([BIN, 'sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--dry-run'], { env });
  if (warm.code !== 0) throw new Error(`warm-up dry run exited ${warm.code}: ${warm.stderr.slice(-1000)}`);
  const journal = join(TMP, `journal-${process.pid}.jsonl`);
  const runOurs = async () => {
    rmSync(journal, { force: true });
    // --rate at its highest (1,000 a second, the most a setting takes), so that concurrency (50
    // requests of 50 ms: at most 1,000 a second), as for the SDK, is the bound.
    const args = batchArgs(csv, '--yes');
    const ours = await runMeasured([...args, '--concurrency', String(concurrency), '--rate', '1000', '--journal', journal], { env });
    rmSync(journal, { force: true });
    if (ours.code !== 0) throw new Error(`batch exited ${ours.code}: ${ours.stderr.slice(-1000)}`);
    return ours;
  };
  const runSdk = async () => {
    const sdk = await runMeasured([join(ROOT, 'bench', 'sdk-batch.js'), csv, String(concurrency)], { env });
    if (sdk.code !== 0) throw new Error(`sdk batch exited ${sdk.code}: ${sdk.stderr.slice(-1000)}`);
    return sdk;
  };
  /** Runs one side and checks it sent every row exactly once. */
  const counted = async (run, who) => {
    const before = server.posts();
    const result = await run();
    const posts = server.posts() - before;
    if (posts !== rows) throw new Error(`${who}: expected ${rows} POSTs, got ${posts}`);
    return result;
  };
  const ours = [];
  const sdk = [];
  try {
    // One run of each side first, not measured: plivo-send then has the code cache a user has after
    // their first batch (README, "Benchmarks"), and both sides find their files in the OS cache.
    await counted(runOurs, 'plivo-send');
    await counted(runSdk, 'SDK');
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        ours.push(await counted(runOurs, 'plivo-send'));
        sdk.push(await counted(runSdk, 'SDK'));
      } else {
        sdk.push(await counted(runSdk, 'SDK'));
        ours.push(await counted(runOurs, 'plivo-send'));
      }
    }
  } finally {
    await server.close();
  }
  const oursMs = median(ours.map((r) => r.wallMs));
  const sdkMs = median(sdk.map((r) => r.wallMs));
  return {
    rows,
    runs,
    oursPerSec: (rows / oursMs) * 1000,
    sdkPerSec: (rows / sdkMs) * 1000,
    ratio: sdkMs / oursMs,
    oursCpuPerMsg: median(ours.map((r) => r.cpuMs)) / rows,
    sdkCpuPerMsg: median(sdk.map((r) => r.cpuMs)) / rows,
  };
}
