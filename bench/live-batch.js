// A live batch of 2,000 rows against a local server that answers after 50 ms, concurrency 50,
// journal on — against the official plivo SDK driven by p-limit at the same concurrency.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, runMeasured } from './lib.js';
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
        res.writeHead(202, { 'content-type': 'application/json' });
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

export async function measureLiveBatch({ rows = 2000, concurrency = 50, delayMs = 50 } = {}) {
  const csv = await makeCsv(rows);
  const server = await startSlowServer(delayMs);
  const env = { ...process.env, PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url, NO_COLOR: '1' };
  try {
    const journal = join(TMP, `journal-${process.pid}.jsonl`);
    rmSync(journal, { force: true });
    // --rate at its highest (1,000 a second, the most a setting takes), so that concurrency (50
    // requests of 50 ms: at most 1,000 a second), as for the SDK, is the bound.
    const ours = await runMeasured(
      [
        BIN,
        'sms',
        '--csv',
        csv,
        '--src',
        '14155550100',
        '--text',
        'Hi {{name}}, your code is {{code}}',
        '--yes',
        '--concurrency',
        String(concurrency),
        '--rate',
        '1000',
        '--journal',
        journal,
      ],
      { env },
    );
    rmSync(journal, { force: true });
    if (ours.code !== 0) throw new Error(`batch exited ${ours.code}: ${ours.stderr.slice(-1000)}`);
    const oursPosts = server.posts();
    const sdk = await runMeasured([join(ROOT, 'bench', 'sdk-batch.js'), csv, String(concurrency)], { env });
    if (sdk.code !== 0) throw new Error(`sdk batch exited ${sdk.code}: ${sdk.stderr.slice(-1000)}`);
    const sdkPosts = server.posts() - oursPosts;
    if (oursPosts !== rows || sdkPosts !== rows) throw new Error(`expected ${rows} POSTs each, got ${oursPosts} and ${sdkPosts}`);
    return {
      rows,
      oursPerSec: (rows / ours.wallMs) * 1000,
      sdkPerSec: (rows / sdk.wallMs) * 1000,
      ratio: sdk.wallMs / ours.wallMs,
      oursCpuPerMsg: ours.cpuMs / rows,
      sdkCpuPerMsg: sdk.cpuMs / rows,
    };
  } finally {
    await server.close();
  }
}
