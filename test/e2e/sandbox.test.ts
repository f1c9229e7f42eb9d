import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';

let server: ChildProcess | undefined;
afterEach(() => {
  server?.kill('SIGKILL');
  server = undefined;
});

/** Starts `plivo-send sandbox --port 0 --json` and reads the URL and credentials it prints. */
function startSandboxProcess(args: string[] = []): Promise<{ url: string; auth_id: string; auth_token: string }> {
  return new Promise((resolve, reject) => {
    server = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--json', '--delivery-delay', '50', ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { url: string; auth_id: string; auth_token: string });
    });
    server.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
}

describe('sandbox and status (spawned binaries)', () => {
  it('a send to `plivo-send sandbox` is followed to delivered with status --wait, then Ctrl-C stops the sandbox cleanly', async () => {
    const sb = await startSandboxProcess();
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.auth_id).toMatch(/^MA[A-Z0-9]{18}$/);
    const env = cleanEnv({ PLIVO_API_URL: sb.url, PLIVO_AUTH_ID: sb.auth_id, PLIVO_AUTH_TOKEN: sb.auth_token });
    const sent = await runBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hello', '--json'], { env });
    expect(sent.code, sent.stderr).toBe(0);
    const uuid = (JSON.parse(sent.stdout) as { message_uuid: string[] }).message_uuid[0]!;
    const status = await runBin(['status', uuid, '--wait', '10', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout.trim().split('\n').pop()!)).toMatchObject({
      message_uuid: uuid,
      message_state: 'delivered',
      units: 1,
      to_number: '14155550101',
    });

    const plain = await runBin(['status', uuid], { env });
    expect(plain.stdout).toMatch(new RegExp(`✓ ${uuid} delivered · to 14155550101`));

    const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));
    server!.kill('SIGINT');
    expect(await exited).toBe(130);
  });

  it('status --wait exits 1 for a failed message and explains its error code', async () => {
    const sb = await startSandboxProcess();
    const env = cleanEnv({ PLIVO_API_URL: sb.url, PLIVO_AUTH_ID: sb.auth_id, PLIVO_AUTH_TOKEN: sb.auth_token });
    const sent = await runBin(['sms', '--src', '14155550100', '--dst', '14155550050', '--text', 'Hello', '--wait', '10'], { env });
    expect(sent.code).toBe(1);
    expect(sent.stdout).toMatch(/failed · to 14155550050 · error 50: Invalid destination number/);
  });

  it('a wrong token is a 401 from the sandbox: exit 2', async () => {
    const sb = await startSandboxProcess();
    const env = cleanEnv({ PLIVO_API_URL: sb.url, PLIVO_AUTH_ID: sb.auth_id, PLIVO_AUTH_TOKEN: 'wrong' });
    const out = await runBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hello'], { env });
    expect(out.code).toBe(2);
  });

  it('--sandbox: the README quickstart sends and sees the message delivered, with no credentials at all', async () => {
    const out = await runBin(['sms', '--sandbox', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hello']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/✓ Queued to 14155550101 · GSM-7, 1 segment · [0-9a-f-]{36}\n✓ [0-9a-f-]{36} delivered · to 14155550101\n/);
    expect(out.stderr).toMatch(/no real message leaves this machine/);
  });

  it("--sandbox --json: stdout holds one JSON object, Plivo's answer with the final records", async () => {
    const out = await runBin(['whatsapp', '--sandbox', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hi', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!) as { message: string; message_uuid: string[]; messages: Array<{ message_uuid: string; message_state: string }> };
    expect(answer.message).toBe('message(s) queued');
    expect(answer.messages.map((m) => m.message_uuid)).toEqual(answer.message_uuid);
    expect(['delivered', 'read']).toContain(answer.messages[0]!.message_state);
  });

  it('a port in use is a usage error naming the port and what to do, not a bug report (exit 1)', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const out = await runBin(['sandbox', '--port', String(port)]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(out.stderr).toMatch(/--port 0/);
      expect(out.stderr).not.toMatch(/bug/i);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("emulates the message list's 20 requests a minute (429 past it); --no-rate-limit turns it off", async () => {
    const list = async (sb: { url: string; auth_id: string; auth_token: string }) => {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await fetch(`${sb.url}/v1/Account/${sb.auth_id}/Message/?limit=1`, {
          headers: { authorization: `Basic ${Buffer.from(`${sb.auth_id}:${sb.auth_token}`).toString('base64')}` },
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    };
    expect(await list(await startSandboxProcess())).toEqual([...Array(20).fill(200), 429]);
    server!.kill('SIGKILL');
    expect(await list(await startSandboxProcess(['--no-rate-limit']))).toEqual(Array(21).fill(200));
  });
});
