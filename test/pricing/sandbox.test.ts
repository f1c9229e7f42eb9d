import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_PRICES, SANDBOX_UNPRICED } from '../../src/sandbox/pricing.js';
import { startSandbox, TEST_NUMBERS, type Sandbox } from '../../src/sandbox/server.js';
import { api, send } from '../sandbox/helpers.js';

const SRC = '14155550199';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ deliveryDelayMs: 60_000, rateLimit: false });
});

afterAll(async () => {
  await sandbox.close();
});

describe('the sandbox checks destinations against the numbering plans', () => {
  it.each([
    ['too short', '1111111'],
    ['a US number in an exchange that cannot exist (1xx)', '14151000002'],
    ['a UK number in the range kept for drama', '447700900123'],
    ['a country code no country has', '9991234567'],
  ])('answers 400 "\'…\' is not a valid phone number." to one number %s', async (_label, dst) => {
    const res = await send(sandbox, { src: SRC, dst, text: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`'${dst}' is not a valid phone number.`);
  });

  it('queues the valid numbers of a list and reports the rest in invalid_number (202)', async () => {
    const res = await send(sandbox, { src: SRC, dst: '14155550100<14151000002<+44 7911 123456<447700900123', text: 'x' });
    expect(res.status).toBe(202);
    expect(res.body.message_uuid).toHaveLength(2);
    expect(res.body.invalid_number).toEqual(['14151000002', '447700900123']);
    expect(
      sandbox
        .messages()
        .slice(-2)
        .map((m) => m.to_number),
    ).toEqual(['14155550100', '447911123456']);
  });

  it('answers 400 "invalid phone numbers." when every number of a list is invalid', async () => {
    const res = await send(sandbox, { src: SRC, dst: '14151000002<447700900123', text: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid phone numbers.');
  });

  it.each([
    ['India', '919876543210'],
    ['Switzerland (no sandbox price)', '41445551234'],
    ['Japan (no sandbox price)', '819012345678'],
    ['Germany', '4915123456789'],
    ['a US number written with punctuation', '+1 (415) 555-0100'],
  ])('takes a valid number of %s', async (_label, dst) => {
    const res = await send(sandbox, { src: SRC, dst, text: 'x' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('takes every documented test number (1415555 and a magic suffix)', async () => {
    const dst = TEST_NUMBERS.map((t) => `1415555${t.suffix}`).join('<');
    const res = await send(sandbox, { src: SRC, dst, text: 'x' });
    expect(res.status).toBe(202);
    expect(res.body.message_uuid).toHaveLength(TEST_NUMBERS.length);
    expect(res.body).not.toHaveProperty('invalid_number');
  });
});

describe("the sandbox's Pricing API", () => {
  it("answers Plivo's shape, with MMS rates only where MMS is carried", async () => {
    const us = await api(sandbox, 'GET', 'Pricing/?country_iso=us');
    expect(us.status).toBe(200);
    expect(us.body).toMatchObject({
      country: 'United States',
      country_code: 1,
      country_iso: 'US',
      message: { outbound: { rate: '0.00500' }, outbound_networks_list: [{ group_name: 'All networks', rate: '0.00500' }] },
      mms: { outbound: { rate: '0.02000' } },
    });
    const gb = await api(sandbox, 'GET', 'Pricing/?country_iso=GB');
    expect(gb.body).not.toHaveProperty('mms');
    expect(Object.keys(SANDBOX_PRICES).filter((c) => SANDBOX_PRICES[c]!.mms !== undefined)).toEqual(['US', 'CA']);
  });

  it.each(SANDBOX_UNPRICED)('answers 404 for %s, on purpose', async (country) => {
    const res = await api(sandbox, 'GET', `Pricing/?country_iso=${country}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe(`no pricing available for country_iso ${country}`);
  });

  it('answers 400 without a two-letter country_iso', async () => {
    for (const query of ['', '?country_iso=USA']) {
      const res = await api(sandbox, 'GET', `Pricing/${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/country_iso is required/);
    }
  });
});
