import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POWERPACK_NUMBER } from '../../src/sandbox/delivery.js';
import { startSandbox, TEST_NUMBERS, type Sandbox } from '../../src/sandbox/server.js';
import { api, send } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SRC = '14155550199';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ deliveryDelayMs: 5, rateLimit: false });
});

afterAll(async () => {
  await sandbox.close();
});

async function sendOne(message: Record<string, unknown>): Promise<string> {
  const res = await send(sandbox, message);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const uuids = res.body.message_uuid as string[];
  expect(uuids).toHaveLength(1);
  return uuids[0] ?? '';
}

function record(uuid: string): Promise<Record<string, unknown>> {
  return api(sandbox, 'GET', `Message/${uuid}/`).then((r) => r.body);
}

/** Polls the record until its state is `state`. */
function settle(uuid: string, state: string): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const body = await record(uuid);
    return body.message_state === state ? body : undefined;
  }, `${uuid} to be ${state}`);
}

describe('credentials', () => {
  it('generates an auth id shaped like Plivo’s and a 40-character token', () => {
    expect(sandbox.authId).toMatch(/^MA[A-Z0-9]{18}$/);
    expect(sandbox.authToken).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['no credentials', null],
    ['a wrong token', 'WRONG'],
    ['an empty password', ''],
  ])('answers 401 to %s', async (_label, token) => {
    const auth = token === null ? null : `${sandbox.authId}:${token}`;
    const res = await api(sandbox, 'POST', 'Message/', { json: { src: SRC, dst: '14155550101', text: 'hi' }, auth });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ api_id: expect.stringMatching(UUID), error: 'authentication failed' });
  });

  it('answers 401 when the path names another account, even with valid credentials', async () => {
    const res = await api(sandbox, 'GET', '/v1/Account/MAOTHERACCOUNT00000000/Message/');
    expect(res.status).toBe(401);
  });

  it('queues nothing for a rejected request', async () => {
    const before = sandbox.messages().length;
    await api(sandbox, 'POST', 'Message/', { json: { src: SRC, dst: '14155550101', text: 'hi' }, auth: null });
    expect(sandbox.messages()).toHaveLength(before);
  });
});

describe('POST Message/', () => {
  it('queues one message: 202 with one uuid', async () => {
    const res = await send(sandbox, { src: SRC, dst: '14155550101', text: 'Hello' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ api_id: expect.stringMatching(UUID), message: 'message(s) queued', message_uuid: [expect.stringMatching(UUID)] });
  });

  it('takes the path without its trailing slash and form-encoded bodies', async () => {
    const res = await api(sandbox, 'POST', 'Message', { form: `src=${SRC}&dst=%2B1%20415%20555%200102&text=Hi+there` });
    expect(res.status).toBe(202);
    const uuid = (res.body.message_uuid as string[])[0] ?? '';
    expect(await record(uuid)).toMatchObject({ to_number: '14155550102', from_number: SRC });
  });

  it('sanitises, de-duplicates and queues every destination of a < list', async () => {
    const res = await send(sandbox, { src: '+1 (415) 555-0199', dst: '+1 (415) 555-0103<14155550104<1.415.555.0103', text: 'x' });
    expect(res.status).toBe(202);
    const uuids = res.body.message_uuid as string[];
    expect(uuids).toHaveLength(2);
    expect(res.body).not.toHaveProperty('invalid_number');
    const numbers = await Promise.all(uuids.map(async (u) => (await record(u)).to_number));
    expect(numbers.sort()).toEqual(['14155550103', '14155550104']);
  });

  it('queues the valid part of a list and reports the rest in invalid_number', async () => {
    const res = await send(sandbox, { src: SRC, dst: '14155550105<1111111<abc', text: 'x' });
    expect(res.status).toBe(202);
    expect(res.body.message_uuid).toHaveLength(1);
    expect(res.body.invalid_number).toEqual(['1111111', 'abc']);
  });

  it('answers 400 "invalid phone numbers." when every destination of a list is invalid', async () => {
    const res = await send(sandbox, { src: SRC, dst: '1111111<12', text: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ api_id: expect.stringMatching(UUID), error: 'invalid phone numbers.' });
  });

  it.each<[string, Record<string, unknown>, string | RegExp]>([
    ['a short number', { src: SRC, dst: '+1111111', text: 'x' }, "'1111111' is not a valid phone number."],
    ['a number over 14 digits', { src: SRC, dst: '441234567890123', text: 'x' }, "'441234567890123' is not a valid phone number."],
    ['src and powerpack_uuid together', { src: SRC, powerpack_uuid: 'pp', dst: '14155550101', text: 'x' }, /src and powerpack_uuid/],
    ['neither src nor powerpack_uuid', { dst: '14155550101', text: 'x' }, 'either src or powerpack_uuid is required'],
    ['no dst', { src: SRC, text: 'x' }, 'dst is required'],
    ['dst equal to src', { src: SRC, dst: SRC, text: 'x' }, 'src and dst cannot be the same number.'],
    ['an alphanumeric sender over 11 characters', { src: 'ACME-MARKETING', dst: '14155550101', text: 'x' }, /ACMEMARKETING/],
    ['an unknown type', { src: SRC, dst: '14155550101', text: 'x', type: 'fax' }, /'fax' is not a valid message type/],
    ['an sms without text', { src: SRC, dst: '14155550101' }, 'text is required for sms messages'],
    ['GSM text over 1600 characters', { src: SRC, dst: '14155550101', text: 'a'.repeat(1601) }, /1600/],
    ['UCS-2 text over 737 units', { src: SRC, dst: '14155550101', text: 'я'.repeat(738) }, /737/],
    ['an mms without media', { src: SRC, dst: '14155550101', type: 'mms', text: 'x' }, /media_urls or media_ids is required/],
    [
      'an mms with 11 attachments',
      {
        src: SRC,
        dst: '14155550101',
        type: 'mms',
        media_urls: Array.from({ length: 6 }, (_, i) => `https://e.com/${i}.png`),
        media_ids: ['1', '2', '3', '4', '5'],
      },
      /at most 10 media/,
    ],
    ['a media url that is not a URL', { src: SRC, dst: '14155550101', type: 'mms', media_urls: ['not a url'] }, "'not a url' is not a valid media url"],
    ['a whatsapp message without src', { powerpack_uuid: 'pp', dst: '14155550101', type: 'whatsapp', text: 'x' }, 'src is required for whatsapp messages'],
    [
      'a whatsapp message with two kinds of content',
      { src: SRC, dst: '14155550101', type: 'whatsapp', text: 'x', location: { latitude: '1', longitude: '2', name: 'n', address: 'a' } },
      /only one of/,
    ],
    [
      'a template on an sms',
      { src: SRC, dst: '14155550101', text: 'x', template: { name: 't', language: 'en' } },
      'template is only allowed for whatsapp messages',
    ],
    ['a template without language', { src: SRC, dst: '14155550101', type: 'whatsapp', template: { name: 'otp' } }, 'template language is required'],
    ['log as an unknown value', { src: SRC, dst: '14155550101', text: 'x', log: 'maybe' }, /log must be one of/],
    ['trackable as a string', { src: SRC, dst: '14155550101', text: 'x', trackable: 'yes' }, /trackable must be a boolean/],
    ['message_expiry under 5', { src: SRC, dst: '14155550101', text: 'x', message_expiry: 4 }, /between 5 and 10799/],
    ['message_expiry as a fraction', { src: SRC, dst: '14155550101', text: 'x', message_expiry: 60.5 }, 'message_expiry must be an integer'],
    ['a callback method other than GET and POST', { src: SRC, dst: '14155550101', text: 'x', method: 'PUT' }, 'method must be GET or POST'],
    ['a callback url that is not http(s)', { src: SRC, dst: '14155550101', text: 'x', url: 'ftp://x' }, "'ftp://x' is not a valid url"],
    ['a non-string field', { src: SRC, dst: 14155550101, text: 'x' }, 'dst must be a string'],
    ['a bad dlt_template_category', { src: SRC, dst: '14155550101', text: 'x', dlt_template_category: 'spam' }, /dlt_template_category/],
  ])('answers 400 to %s', async (_label, message, error) => {
    const res = await send(sandbox, message);
    expect(res.status).toBe(400);
    expect(res.body.api_id).toMatch(UUID);
    if (typeof error === 'string') expect(res.body.error).toBe(error);
    else expect(res.body.error).toMatch(error);
  });

  it('answers 400 to more than 1,000 unique destinations and takes exactly 1,000', async () => {
    const numbers = (n: number): string => Array.from({ length: n }, (_, i) => `1415556${String(i).padStart(4, '0')}`).join('<');
    const over = await send(sandbox, { src: SRC, dst: numbers(1001), text: 'x' });
    expect(over.status).toBe(400);
    expect(over.body.error).toMatch(/at most 1000/);
    const exact = await send(sandbox, { src: SRC, dst: numbers(1000), text: 'x' });
    expect(exact.status).toBe(202);
    expect(exact.body.message_uuid).toHaveLength(1000);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await fetch(`${sandbox.url}/v1/Account/${sandbox.authId}/Message/`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${sandbox.authId}:${sandbox.authToken}`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: '{"src": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/JSON/) });
  });
});

describe('message records', () => {
  it('holds the fields of a Plivo message record', async () => {
    const uuid = await sendOne({
      src: SRC,
      dst: '919876543210',
      text: 'Your OTP is 1234',
      dlt_entity_id: '1201159100000000001',
      dlt_template_id: '1207161800000000001',
      dlt_template_category: 'transactional',
    });
    const body = await record(uuid);
    expect(body).toMatchObject({
      api_id: expect.stringMatching(UUID),
      message_uuid: uuid,
      message_type: 'sms',
      message_direction: 'outbound',
      from_number: SRC,
      to_number: '919876543210',
      units: 1,
      // India: the dearest network rate the sandbox quotes there (src/sandbox/pricing.ts).
      total_rate: '0.00250',
      total_amount: '0.00250',
      error_code: '000',
      powerpack_id: '',
      log: 'true',
      resource_uri: `/v1/Account/${sandbox.authId}/Message/${uuid}/`,
      destination_country_iso2: 'IN',
      dlt_entity_id: '1201159100000000001',
      dlt_template_id: '1207161800000000001',
      dlt_template_category: 'transactional',
    });
    expect(body.message_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
  });

  it.each([
    ['161 GSM characters', 'a'.repeat(161), 2, '0.01000'],
    ['a 71-character UCS-2 text', 'é'.repeat(10) + 'ж'.repeat(61), 2, '0.01000'],
    ['307 GSM characters', 'b'.repeat(307), 3, '0.01500'],
  ])('bills %s by its segments', async (_label, text, units, amount) => {
    const body = await record(await sendOne({ src: SRC, dst: '14155550106', text }));
    expect(body).toMatchObject({ units, total_amount: amount });
  });

  it('bills mms and whatsapp as one unit', async () => {
    const mms = await record(await sendOne({ src: SRC, dst: '14155550107', type: 'mms', media_urls: ['https://e.com/a.png', 'https://e.com/b.png'] }));
    expect(mms).toMatchObject({ message_type: 'mms', units: 1, total_rate: '0.02000' });
    const wa = await record(await sendOne({ src: SRC, dst: '14155550107', type: 'whatsapp', template: { name: 'otp_code', language: 'en_US' } }));
    expect(wa).toMatchObject({ message_type: 'whatsapp', units: 1, conversation_origin: 'utility' });
  });

  it('sends from a pool number for a powerpack and records the powerpack id', async () => {
    const body = await record(await sendOne({ powerpack_uuid: 'd1b8c5a2-0000-4000-8000-000000000001', dst: '14155550108', text: 'x' }));
    expect(body).toMatchObject({ from_number: POWERPACK_NUMBER, powerpack_id: 'd1b8c5a2-0000-4000-8000-000000000001' });
  });

  it('masks the number when log is false', async () => {
    const body = await record(await sendOne({ src: SRC, dst: '14155550528', text: 'secret', log: 'false' }));
    expect(body).toMatchObject({ to_number: '141XXXXX528', log: 'false' });
  });

  it('answers 404 "not found" for an unknown uuid', async () => {
    const res = await api(sandbox, 'GET', 'Message/00000000-0000-4000-8000-000000000000/');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ api_id: expect.stringMatching(UUID), error: 'not found' });
  });

  it('answers 404 to unknown routes and 405 to wrong methods', async () => {
    expect((await api(sandbox, 'GET', 'Call/')).status).toBe(404);
    expect((await api(sandbox, 'GET', '/v2/whatever')).status).toBe(404);
    const del = await api(sandbox, 'DELETE', 'Message/');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST');
    const uuid = await sendOne({ src: SRC, dst: '14155550109', text: 'x' });
    expect((await api(sandbox, 'POST', `Message/${uuid}/`, { json: {} })).status).toBe(405);
    expect((await api(sandbox, 'GET', `Message/${uuid}`)).status).toBe(200);
  });
});

describe('delivery', () => {
  it('advances queued → sent → delivered', async () => {
    const uuid = await sendOne({ src: SRC, dst: '14155550110', text: 'x' });
    const body = await settle(uuid, 'delivered');
    expect(body).toMatchObject({ error_code: '000', message_sent_time: expect.stringMatching(/\+00:00$/) });
  });

  it('lets a whatsapp message be read after delivery', async () => {
    const uuid = await sendOne({ src: SRC, dst: '14155550111', type: 'whatsapp', text: 'hello' });
    await settle(uuid, 'read');
  });

  it.each(TEST_NUMBERS)('ends a message to a number ending in $suffix $state with error $errorCode', async (t) => {
    const uuid = await sendOne({ src: SRC, dst: `1415555${t.suffix}`, text: 'x' });
    const body = await settle(uuid, t.state);
    expect(body).toMatchObject({ error_code: t.errorCode, error_message: t.meaning });
    // Failed before the carrier: not charged. Undelivered: the carrier took it, charged.
    expect(body.total_amount).toBe(t.state === 'failed' ? '0.00000' : '0.00500');
  });

  it('stops advancing states when closed', async () => {
    const slow = await startSandbox({ deliveryDelayMs: 60_000 });
    const res = await send(slow, { src: SRC, dst: '14155550112', text: 'x' });
    expect(res.status).toBe(202);
    await slow.close();
    expect(slow.messages().map((m) => m.message_state)).toEqual(['queued']);
    await expect(fetch(`${slow.url}/`)).rejects.toThrow();
  });
});

describe('GET Message/ (list)', () => {
  let listing: Sandbox;
  const uuids: string[] = [];

  beforeAll(async () => {
    listing = await startSandbox({ deliveryDelayMs: 5, rateLimit: false });
    const messages = [
      { src: SRC, dst: '14155550201', text: 'one' },
      { src: SRC, dst: '14155550202', text: 'two' },
      { src: SRC, dst: '14155550050', text: 'fails' },
      { src: '447700900999', dst: '14155550201', type: 'mms', media_urls: ['https://e.com/a.png'] },
      { src: SRC, dst: '14155550203', type: 'whatsapp', text: 'wa' },
    ];
    for (const m of messages) uuids.push(...((await send(listing, m)).body.message_uuid as string[]));
  });

  afterAll(async () => {
    await listing.close();
  });

  const list = (query: string) => api(listing, 'GET', `Message/?${query}`);

  it('lists newest first with Plivo’s meta and paging paths', async () => {
    const first = await list('limit=2');
    expect(first.status).toBe(200);
    expect(first.body.api_id).toMatch(UUID);
    expect(first.body.meta).toEqual({
      limit: 2,
      offset: 0,
      next: `/v1/Account/${listing.authId}/Message/?limit=2&offset=2`,
      previous: null,
      total_count: 5,
    });
    const objects = first.body.objects as Array<Record<string, unknown>>;
    expect(objects.map((o) => o.message_uuid)).toEqual([uuids[4], uuids[3]]);
    expect(objects[0]).not.toHaveProperty('api_id');

    const last = await list('limit=2&offset=4');
    expect(last.body.meta).toMatchObject({ next: null, previous: `/v1/Account/${listing.authId}/Message/?limit=2&offset=2`, total_count: 5 });
    expect((last.body.objects as unknown[]).length).toBe(1);
  });

  it('defaults to 20 per page and accepts the path without its trailing slash', async () => {
    const res = await api(listing, 'GET', 'Message');
    expect(res.body.meta).toMatchObject({ limit: 20, offset: 0, next: null, total_count: 5 });
  });

  it('keeps the filters in the paging paths', async () => {
    const res = await list('limit=1&from_number=14155550199');
    expect(res.body.meta).toMatchObject({ total_count: 4, next: `/v1/Account/${listing.authId}/Message/?limit=1&offset=1&from_number=14155550199` });
  });

  it.each([
    ['to_number=14155550201', [3, 0]],
    ['from_number=447700900999', [3]],
    ['message_type=whatsapp', [4]],
    ['message_type=sms&to_number=14155550202', [1]],
    ['message_direction=inbound', []],
  ])('filters by %s', async (query, indexes) => {
    const res = await list(query);
    expect((res.body.objects as Array<Record<string, unknown>>).map((o) => o.message_uuid)).toEqual(indexes.map((i) => uuids[i]));
  });

  it('filters by state and error code once delivery has run', async () => {
    await waitFor(async () => ((await list('message_state=failed')).body.meta as { total_count: number }).total_count === 1, 'failure');
    const failed = await list('error_code=50');
    expect((failed.body.objects as Array<Record<string, unknown>>).map((o) => o.message_uuid)).toEqual([uuids[2]]);
  });

  it('filters by message time (UTC)', async () => {
    const records = listing.messages();
    const third = (records[2]?.message_time ?? '').replace('+00:00', '');
    const count = async (query: string) => ((await list(query)).body.meta as { total_count: number }).total_count;
    expect(await count(`message_time__gte=${encodeURIComponent(third)}`)).toBeGreaterThanOrEqual(3);
    expect(await count(`message_time__lte=${encodeURIComponent(third)}`)).toBeGreaterThanOrEqual(3);
    expect(await count('message_time__lt=2000-01-01%2000:00')).toBe(0);
    expect(await count('message_time__gt=2000-01-01%2000:00:00')).toBe(5);
    expect(await count('message_time__gte=2999-01-01%2000:00')).toBe(0);
  });

  it.each(['limit=21', 'limit=0', 'limit=ten', 'offset=-1', 'message_time__gte=yesterday'])('answers 400 to %s', async (query) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(expect.any(String));
  });
});

describe('rate limit', () => {
  it('answers 429 past the configured requests per window', async () => {
    const limited = await startSandbox({ rateLimit: { requests: 3, windowMs: 60_000 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await api(limited, 'GET', 'Message/')).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const res = await api(limited, 'GET', 'Message/');
      expect(res.body).toEqual({ api_id: expect.stringMatching(UUID), error: 'too many requests' });
    } finally {
      await limited.close();
    }
  });
});
