/**
 * A single send whose answer is lost, end to end: what the message list may and may not prove.
 * The built binary against the scripted Plivo (test/helpers/fault-server.ts) on loopback.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { plivoTime, useFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { runBin } from '../helpers/spawn.js';

let server: FaultServer;
let env: Record<string, string>;
useFaultServer((s, e) => ((server = s), (env = e)));

const DST = '14155550142';
const SEND = ['sms', '--src', '14155550100', '--dst', DST, '--text', 'Your code is 123456', '--timeout', '1'];
const RUN = { timeoutMs: 30_000 };

/** The previous OTP: queued `agoMs` before now by Plivo's clock. */
function previousCode(agoMs: number): string {
  const uuid = 'previous-code-uuid';
  server.messages.push({
    message_uuid: uuid,
    to_number: DST,
    from_number: '14155550100',
    message_state: 'delivered',
    message_time: plivoTime(Date.now() + server.clockOffsetMs - agoMs),
    message_type: 'sms',
    error_code: '000',
    units: 1,
  });
  return uuid;
}

describe('a lost answer is recovered only with a message that can only be this one', () => {
  it('an OTP resent 30 s after the previous one, whose request hangs and is never queued, is not reported sent with the previous uuid', async () => {
    const previous = previousCode(30_000);
    server.script({ hang: true, accept: false });
    const out = await runBin(SEND, { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    expect(out.stdout).not.toContain(previous);
    expect(out.stderr).toMatch(/not queued/);
    expect(server.posts()).toHaveLength(1);
  });

  it("Plivo's clock is read from its Date header: 90 s ahead, the previous OTP does not pass for one queued after the attempt", async () => {
    server.clockOffsetMs = 90_000;
    const previous = previousCode(30_000);
    server.script({ status: 503 });
    const out = await runBin([...SEND, '--json'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    expect(out.stdout).toBe('');
    expect(out.stderr).not.toMatch(new RegExp(`"recovered"|${previous}"\\]`));
  });

  it('the new message is found among older ones: reported sent with its own uuid, recovered, not sent again', async () => {
    previousCode(30_000);
    server.script({ reset: 'after-accept' });
    const out = await runBin([...SEND, '--json'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(0);
    const fresh = server.messages.find((m) => m.message_uuid !== 'previous-code-uuid')!;
    expect(JSON.parse(out.stdout)).toEqual({ message_uuid: [fresh.message_uuid], recovered: true });
    expect(server.posts()).toHaveLength(1);
  });

  it('two records that could each be this message: exit 3 naming the number, the time window and both uuids', async () => {
    server.script({ status: 500, accept: true });
    // A second message to the same number, sender and type, queued 3 s from now: after the attempt
    // began (the binary starts well within that), and before it may still be queued (--settle 10).
    server.messages.push({
      message_uuid: 'someone-else',
      to_number: DST,
      from_number: '14155550100',
      message_state: 'queued',
      message_time: plivoTime(Date.now() + 3000),
      message_type: 'sms',
      error_code: '000',
    });
    const out = await runBin([...SEND, '--json', '--settle', '10'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    const error = (JSON.parse(out.stderr.trim().split('\n').pop()!) as { error: { message: string; hint: string; code: string } }).error;
    expect(error.code).toBe('outcome_unknown');
    expect(error.hint).toContain(DST);
    expect(error.hint).toContain('someone-else');
    expect(error.hint).toMatch(/queued between \d{4}-\d\d-\d\dT[\d:.]+Z and \d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(server.posts()).toHaveLength(1);
  });

  it('queued to one destination of two: exit 3 saying which has it, which does not, and not to send again to the first', async () => {
    server.script({ status: 500, accept: [DST] });
    const out = await runBin(['sms', '--src', '14155550100', '--dst', `${DST}<14155550143`, '--text', 'hi', '--timeout', '1'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    expect(out.stderr).toContain(`queued to ${DST} (${server.messages[0]!.message_uuid}) but not to 14155550143`);
  });

  it('nothing to this number, and the list already shows a newer message of the account: not queued, with no second look', async () => {
    // Another number's message, stamped (by Plivo's clock) after the attempt will have ended.
    server.messages.push({
      message_uuid: 'newer',
      to_number: '14155550999',
      from_number: '14155550100',
      message_state: 'queued',
      message_time: plivoTime(Date.now() + 8000),
      message_type: 'sms',
      error_code: '000',
    });
    server.script({ status: 503 });
    const out = await runBin(SEND, { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    expect(out.stderr).toMatch(/it was not queued/);
    expect(server.lists()).toHaveLength(1);
  });

  it('a request Plivo queues after the client gave up is not called "not queued" because the account had other traffic meanwhile', async () => {
    // Queued 2.5 s after it came in, 1.5 s after the client's timeout; another number's message
    // lands in between. Only a record later than the settle time may show the list caught up.
    server.queueMs = 2500;
    server.script({ hang: true });
    server.messages.push({
      message_uuid: 'meanwhile',
      to_number: '14155550999',
      from_number: '14155550100',
      message_state: 'queued',
      message_time: plivoTime(Date.now() + 4000),
      message_type: 'sms',
      error_code: '000',
    });
    const out = await runBin([...SEND, '--settle', '5'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(0);
    const mine = server.messages.find((m) => m.to_number === DST)!;
    expect(out.stdout).toContain(mine.message_uuid);
    expect(server.posts()).toHaveLength(1);
  });

  it("a record whose to_number is written with a + is still this number's", async () => {
    server.script({ status: 503 });
    server.messages.push({
      message_uuid: 'plus-written',
      to_number: `+${DST}`,
      from_number: '+14155550100',
      message_state: 'queued',
      message_time: plivoTime(Date.now() + 1500),
      message_type: 'sms',
      error_code: '000',
    });
    const out = await runBin([...SEND, '--json'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ message_uuid: ['plus-written'], recovered: true });
  });

  it('a list that lags behind the queue is looked at again before anything is concluded', async () => {
    server.listLagMs = 1500;
    server.script({ reset: 'after-accept' });
    const out = await runBin([...SEND, '--timeout', '2'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(server.messages[0]!.message_uuid);
    expect(server.lists().length).toBeGreaterThanOrEqual(2);
  });
});

describe('a 202 without one uuid per destination is not a success', () => {
  it.each<[string, Parameters<FaultServer['script']>[0]]>([
    ['"message_uuid": []', { status: 202, body: { api_id: 'a', message: 'message(s) queued', message_uuid: [] } }],
    ['an HTML body', { status: 202, raw: '<html>Accepted</html>' }],
    ['malformed JSON', { status: 202, raw: '{"api_id": "a", "message_uuid": [', headers: { 'content-type': 'application/json' } }],
  ])('%s: checked in the list, exit 3 when nothing was queued', async (_name, reply) => {
    server.script(reply);
    const out = await runBin([...SEND, '--json'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(3);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/Plivo answered 202, but/);
    expect(server.posts()).toHaveLength(1);
  });

  it('fewer uuids than destinations (less invalid ones), though queued: found in the list', async () => {
    server.script({ status: 202, accept: true, body: { api_id: 'a', message: 'message(s) queued', message_uuid: ['only-one'] } });
    const out = await runBin(['sms', '--src', '14155550100', '--dst', `${DST}<14155550143`, '--text', 'hi', '--timeout', '1', '--json'], { env, ...RUN });
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as { message_uuid: string[] }).message_uuid.sort()).toEqual(server.messages.map((m) => m.message_uuid).sort());
  });
});

describe('a TLS handshake that fails sent nothing', () => {
  it('a self-signed certificate: exit 3, "nothing was sent", a hint about certificates, no retries, no request reached the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'],
      { stdio: 'ignore' },
    );
    let requests = 0;
    const tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      const out = await runBin(SEND, { env: { ...env, PLIVO_API_URL: url }, ...RUN });
      expect(out.code, out.stderr).toBe(3);
      expect(out.stderr).toMatch(/TLS handshake failed \((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED_CERT_IN_CHAIN)/);
      expect(out.stderr).toMatch(/Nothing was sent/);
      expect(out.stderr).toMatch(/NODE_EXTRA_CA_CERTS/);
      expect(out.stderr).not.toMatch(/may or may not|Retrying/);
      expect(requests).toBe(0);
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});
