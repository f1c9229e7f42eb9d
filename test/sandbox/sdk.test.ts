/**
 * The official plivo-node SDK against the sandbox: if Plivo's own client can send, fetch and list
 * through it, the sandbox speaks the API's wire format (paths, auth, JSON shapes, status codes).
 */
import plivo from 'plivo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { waitFor } from '../helpers/wait.js';

const SRC = '14155550199';

/**
 * What the SDK (v4.79) really does where its bundled .d.ts is out of date: create() also takes one
 * object, list() resolves to an array carrying `meta`, and the send response's invalid numbers are
 * in `invalid_number` (not the typed `invalidNumber`).
 */
interface UntypedMessages {
  create(params: Record<string, unknown>): Promise<{ messageUuid: string[] }>;
  list(params?: Record<string, unknown>): Promise<Array<Record<string, unknown>> & { meta: Record<string, unknown> }>;
}

let sandbox: Sandbox;
let client: plivo.Client;
let messages: UntypedMessages;

beforeAll(async () => {
  sandbox = await startSandbox({ deliveryDelayMs: 5, rateLimit: false });
  // The SDK's `url` option is the account base: every request goes to `${url}/${action}`,
  // e.g. `${url}/Message/` and `${url}/Message/{uuid}/`.
  client = new plivo.Client(sandbox.authId, sandbox.authToken, { url: `${sandbox.url}/v1/Account/${sandbox.authId}` });
  messages = client.messages as unknown as UntypedMessages;
});

afterAll(async () => {
  await sandbox.close();
});

describe('official plivo SDK against the sandbox', () => {
  it('sends with the positional create(src, dst, text)', async () => {
    const res = await client.messages.create(SRC, '14155550101', 'Hello from the SDK');
    expect(res.message).toBe('message(s) queued');
    expect(res.apiId).toEqual(expect.any(String));
    expect(res.messageUuid).toHaveLength(1);
    const [record] = sandbox.messages().filter((m) => m.message_uuid === res.messageUuid[0]);
    expect(record).toMatchObject({ from_number: SRC, to_number: '14155550101', message_type: 'sms', units: 1 });
    // What went over the wire: JSON, Plivo's path with its trailing slash, the SDK's User-Agent.
    const request = sandbox.requests().at(-1);
    expect(request).toMatchObject({ method: 'POST', url: `/v1/Account/${sandbox.authId}/Message/`, status: 202 });
    expect(request?.headers['content-type']).toMatch(/application\/json/);
    expect(request?.headers['user-agent']).toMatch(/^plivo-node\//);
    expect(request?.body).toMatchObject({ src: SRC, dst: '14155550101', text: 'Hello from the SDK' });
  });

  it('sends with the object form create({...}), several destinations and optional fields', async () => {
    const res = await messages.create({
      src: SRC,
      dst: '14155550102<14155550103',
      text: 'Hi ✓',
      url: 'http://127.0.0.1:9/status',
      method: 'GET',
      log: 'number_only',
      trackable: true,
      messageExpiry: 600,
    });
    expect(res.messageUuid).toHaveLength(2);
    expect(sandbox.requests().at(-1)?.body).toMatchObject({
      dst: '14155550102<14155550103',
      method: 'GET',
      log: 'number_only',
      trackable: true,
      message_expiry: 600,
    });
    const records = sandbox.messages().filter((m) => res.messageUuid.includes(m.message_uuid));
    expect(records.map((r) => r.to_number).sort()).toEqual(['14155550102', '14155550103']);
    expect(records[0]).toMatchObject({ units: 1, log: 'number_only' });
  });

  it('sends from a powerpack and MMS through the SDK', async () => {
    const pp = await messages.create({ powerpackUUID: 'a1b2c3d4-0000-4000-8000-000000000001', dst: '14155550104', text: 'pool' });
    expect(pp.messageUuid).toHaveLength(1);
    const mms = await client.messages.create(SRC, '14155550105', 'look', { type: 'mms', media_urls: ['https://example.com/cat.png'] });
    const record = await client.messages.get(mms.messageUuid[0] ?? '');
    expect(record.messageType).toBe('mms');
  });

  it('reports invalid_number for a partly invalid list', async () => {
    const res = await client.messages.create(SRC, '14155550106<1111111', 'x');
    expect(res.messageUuid).toHaveLength(1);
    expect((res as unknown as { invalid_number: string[] }).invalid_number).toEqual(['1111111']);
  });

  it('gets a message record, camel-cased by the SDK', async () => {
    const sent = await client.messages.create(SRC, '14155550107', 'get me');
    const uuid = sent.messageUuid[0] ?? '';
    const record = await waitFor(async () => {
      const r = await client.messages.get(uuid);
      return r.messageState === 'delivered' ? r : undefined;
    }, 'delivery');
    expect(record).toMatchObject({
      messageUuid: uuid,
      fromNumber: SRC,
      toNumber: '14155550107',
      messageDirection: 'outbound',
      messageType: 'sms',
      units: 1,
      totalRate: '0.00500',
      totalAmount: '0.00500',
      errorCode: '000',
      resourceUri: `/v1/Account/${sandbox.authId}/Message/${uuid}/`,
    });
    expect(record.messageTime).toMatch(/\+00:00$/);
  });

  it('lists messages with filters and paging', async () => {
    const page = await messages.list({ limit: 2, offset: 0 });
    expect(page).toHaveLength(2);
    expect(page.meta).toMatchObject({ limit: 2, offset: 0, previous: null, totalCount: sandbox.messages().length });
    const newest = sandbox.messages().at(-1);
    expect(page[0]?.messageUuid).toBe(newest?.message_uuid);

    const filtered = await messages.list({ toNumber: '14155550101', message_time__gte: '2000-01-01 00:00' });
    expect(filtered.map((m) => m.toNumber)).toEqual(['14155550101']);
    const mms = await messages.list({ messageType: 'mms' });
    expect(mms).toHaveLength(1);
  });

  it('surfaces the sandbox’s errors as the SDK’s exceptions', async () => {
    await expect(client.messages.create(SRC, '+1111111', 'x')).rejects.toMatchObject({ status: 400, message: "'1111111' is not a valid phone number." });
    await expect(client.messages.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404, message: 'not found' });
    await expect(messages.list({ limit: 50 })).rejects.toMatchObject({ status: 400 });
    const intruder = new plivo.Client(sandbox.authId, 'not-the-token', { url: `${sandbox.url}/v1/Account/${sandbox.authId}` });
    await expect(intruder.messages.create(SRC, '14155550101', 'x')).rejects.toMatchObject({ status: 401, message: 'authentication failed' });
  });
});
