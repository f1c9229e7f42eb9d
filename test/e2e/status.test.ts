/** `plivo-send status`: every uuid checked before any request, looked up, and reported by name. */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { runBin } from '../helpers/spawn.js';
import { AUTH_ID } from '../helpers/io.js';

let server: FaultServer;
let env: Record<string, string>;
useFaultServer((s, e) => ((server = s), (env = e)));

/** A message Plivo knows, in a final state. */
function known(state = 'delivered'): string {
  const uuid = randomUUID();
  const time = new Date().toISOString().replace('T', ' ').replace('Z', '+00:00');
  server.messages.push({
    message_uuid: uuid,
    to_number: '14155550101',
    from_number: '14155550100',
    message_state: state,
    message_time: time,
    message_type: 'sms',
    error_code: '000',
  });
  return uuid;
}

describe('plivo-send status', () => {
  it('refuses every malformed uuid together, before any request', async () => {
    const out = await runBin(['status', 'abc', known(), '3a1f1c0e-6b1d-11ef-8a3b', '../Account/'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("message_uuid: 'abc' is not a message uuid");
    expect(out.stderr).toContain("message_uuid: '3a1f1c0e-6b1d-11ef-8a3b' is not a message uuid");
    expect(out.stderr).toContain("message_uuid: '../Account/' is not a message uuid");
    expect(server.requests).toHaveLength(0);
  });

  it('an unknown uuid is named, the others are still reported, and the exit code is 1', async () => {
    const missing = randomUUID();
    const found = known();
    const out = await runBin(['status', missing, found], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${missing}: not found (404)`);
    expect(out.stdout).toContain(`✓ ${found} delivered · to 14155550101`);
    expect(server.requests.map((r) => r.url)).toEqual([`/v1/Account/${AUTH_ID}/Message/${missing}/`, `/v1/Account/${AUTH_ID}/Message/${found}/`]);
  });

  it('with --json: one record per found uuid on stdout, one JSON error per missing uuid on stderr', async () => {
    const found = known();
    const missing = randomUUID();
    const out = await runBin(['status', found, missing, '--json'], { env });
    expect(out.code).toBe(1);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message_uuid: string }).message_uuid),
    ).toEqual([found]);
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'not_found', message_uuid: missing, exit_code: 1 } });
  });

  it('all found: exit 0, uuids accepted in upper case too', async () => {
    const a = known();
    const b = known('failed');
    const out = await runBin(['status', a.toUpperCase(), b], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`✗ ${b} failed`);
  });

  it('--wait reports the unknown uuid and still follows the others to their final state', async () => {
    const missing = randomUUID();
    const found = known();
    const out = await runBin(['status', missing, found, '--wait', '5'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${missing}: not found (404)`);
    expect(out.stdout).toContain(`✓ ${found} delivered`);
  });
});
