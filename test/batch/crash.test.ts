/**
 * End to end, with the built binary: a batch is killed with SIGKILL in the middle (no handler
 * runs, nothing is flushed but what the journal already made durable), then resumed. Every row
 * must be accounted for exactly once: Plivo never gets a row twice, no row is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { waitFor } from '../helpers/wait.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { AUTH_ID, AUTH_TOKEN, dstOf, jsonLines, peopleCsv, tempDir, writeCsv } from './harness.js';

let server: FaultServer;

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

const ROWS = 24;

describe('kill -9 in the middle of a batch, then --resume', () => {
  it('sends every row exactly once, finds the reset-after-accept row in the message list, and reports all rows in order', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 'people.csv', peopleCsv(ROWS));
    const env = cleanEnv({ PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_API_URL: server.url });
    const args = ['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}, code {{code}}', '--yes', '--concurrency', '4', '--journal', 'j.jsonl'];

    // Plivo answers slowly; row 3 is queued but its connection drops before the answer.
    server.delayMs = 300;
    server.fallback = (body) => (body.dst === dstOf(3) ? { reset: 'after-accept' } : { status: 202 });

    const child = spawn(process.execPath, [BIN, ...args, '--results', 'first.jsonl'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await waitFor(() => server.posts().length >= 10, 'ten requests');
    child.kill('SIGKILL');
    expect(await closed, stderr).toBe('SIGKILL');
    const postedBeforeKill = server.posts().length;
    expect(postedBeforeKill).toBeGreaterThanOrEqual(10);
    expect(postedBeforeKill).toBeLessThan(ROWS);

    // Write-ahead: every row Plivo saw a request for has an in-flight record in the journal.
    const journal = jsonLines(
      readFileSync(join(dir, 'j.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .join('\n'),
    );
    const inflight = new Set(journal.filter((r) => r.t === 'inflight').map((r) => r.dst));
    for (const post of server.posts()) expect(inflight).toContain((post.json as { dst: string }).dst);

    // Plivo is still queueing what it had received (its answers go nowhere): the resume waits
    // out the request timeout (--timeout 1) before it looks those rows up.
    server.fallback = () => ({ status: 202 });
    const resumed = await runBin([...args, '--results', 'results.jsonl', '--resume', '--timeout', '1'], { env, cwd: dir });
    expect(resumed.stderr).toMatch(/Waiting 1 s before checking \d+ unknown row/);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout + resumed.stderr).not.toContain(AUTH_TOKEN);

    // Exactly one message queued, and one POST made, per row: none twice, none lost.
    for (let i = 1; i <= ROWS; i++) {
      const queued = server.messages.filter((m) => m.to_number === dstOf(i));
      expect(queued, `row ${i}`).toHaveLength(1);
      expect(
        server.posts().filter((p) => (p.json as { dst: string }).dst === dstOf(i)),
        `row ${i}`,
      ).toHaveLength(1);
    }
    // Row 3 was found through the message list, not sent again.
    expect(server.lists().length).toBeGreaterThan(0);
    const after = jsonLines(readFileSync(join(dir, 'j.jsonl'), 'utf8'));
    expect(after.find((r) => r.t === 'sent' && r.row === 3)).toMatchObject({ found: true });

    const results = jsonLines(readFileSync(join(dir, 'results.jsonl'), 'utf8'));
    expect(results.map((r) => r.row)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    for (const r of results) {
      expect(r.status, `row ${String(r.row)}`).toBe('sent');
      expect(r.message_uuid).toEqual([server.messages.find((m) => m.to_number === dstOf(r.row as number))!.message_uuid]);
    }
  });
});
