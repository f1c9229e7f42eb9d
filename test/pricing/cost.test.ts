import { describe, expect, it } from 'vitest';
import {
  checkMaxCost,
  dearestRate,
  describeEstimate,
  estimateCost,
  formatAmount,
  formatRate,
  parseMaxCost,
  parseMicros,
  type CountryUsage,
  type PriceOutcome,
} from '../../src/core/cost.js';

const usage = (entries: Array<[string, number, number?]>): Map<string, CountryUsage> =>
  new Map(entries.map(([country, units, messages]) => [country, { units, messages: messages ?? units }]));
const priced = (entries: Array<[string, string]>): Map<string, PriceOutcome> =>
  new Map(entries.map(([country, rate]) => [country, { ok: true, rate: parseMicros(rate)! }]));

describe('parseMicros', () => {
  it.each<[string, number | undefined]>([
    ['0.00500', 5000],
    ['12.40', 12_400_000],
    ['12', 12_000_000],
    ['.5', 500_000],
    ['0', 0],
    ['0.0000001', 1],
    ['0.0000010', 1],
    ['0.00000100', 1],
    ['999999999.999999', 999_999_999_999_999],
    ['1000000000', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    ['', undefined],
    ['1.2.3', undefined],
  ])('%j → %j', (text, micros) => {
    expect(parseMicros(text)).toBe(micros);
  });
});

describe('parseMaxCost', () => {
  it.each<[string | number, number]>([
    ['25', 25_000_000],
    ['12.40', 12_400_000],
    ['$12.40', 12_400_000],
    [' 3 ', 3_000_000],
    ['0', 0],
    ['0.5', 500_000],
    ['.5', 500_000],
    ['7.', 7_000_000],
    ['+2', 2_000_000],
    [12.4, 12_400_000],
    [0, 0],
  ])('takes %j', (value, max) => {
    expect(parseMaxCost(value)).toEqual({ ok: true, max });
  });

  it.each<[string | number, RegExp]>([
    ['-1', /zero or more, not -1/],
    ['-$5', /zero or more/],
    ['$-5', /zero or more/],
    [-0.5, /zero or more, not -0.5/],
    ['abc', /'abc' is not an amount: use a number of dollars, e\.g\. 25 or 12\.40/],
    ['25 USD', /not an amount/],
    ['€25', /not an amount/],
    ['1e3', /not an amount/],
    ['NaN', /not an amount/],
    [Number.NaN, /number of dollars/],
    ['', /is empty/],
    ['1,000', /thousands separator: write the amount without it \(1000\)/],
    ['0.1234567', /more than 6 decimals/],
    ['1000000000', /less than 1,000,000,000/],
    [1e12, /less than 1,000,000,000/],
  ])('refuses %j, naming the flag', (value, message) => {
    const result = parseMaxCost(value);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.field).toBe('--max-cost');
    expect(result.problem.message).toMatch(message);
  });

  it('names the config key when told to', () => {
    expect(parseMaxCost(-2, 'maxCost')).toMatchObject({ ok: false, problem: { field: 'maxCost' } });
  });
});

describe('dearestRate', () => {
  const record = {
    country_iso: 'GB',
    message: {
      outbound: { rate: '0.04000' },
      outbound_networks_list: [
        { group_name: 'EE', rate: '0.04000' },
        { group_name: 'Vodafone', rate: '0.04200' },
        { group_name: 'O2', rate: '0.04100' },
      ],
    },
  };

  it('takes the dearest network for SMS', () => {
    expect(dearestRate(record, 'sms')).toEqual({ ok: true, rate: 42_000, network: 'Vodafone' });
  });

  it('takes the outbound rate when it is the dearest or there is no network list', () => {
    expect(dearestRate({ message: { outbound: { rate: '0.05' }, outbound_networks_list: [{ group_name: 'A', rate: '0.01' }] } }, 'sms')).toEqual({
      ok: true,
      rate: 50_000,
    });
    expect(dearestRate({ message: { outbound: { rate: '0.00500' } } }, 'sms')).toEqual({ ok: true, rate: 5000 });
  });

  it('skips rates that are not decimals, and takes a JSON number', () => {
    const list = { message: { outbound: { rate: 'n/a' }, outbound_networks_list: [{ rate: null }, { group_name: 'X', rate: 0.0031 }, {}] } };
    expect(dearestRate(list, 'sms')).toEqual({ ok: true, rate: 3100, network: 'X' });
  });

  it('reads MMS rates from the mms section', () => {
    const list = {
      message: { outbound: { rate: '0.005' } },
      mms: { outbound: { rate: '0.018' }, outbound_networks_list: [{ group_name: 'All', rate: '0.02' }] },
    };
    expect(dearestRate(list, 'mms')).toEqual({ ok: true, rate: 20_000, network: 'All' });
  });

  it.each<[string, Parameters<typeof dearestRate>[0], 'sms' | 'mms' | 'whatsapp', RegExp]>([
    ['MMS without an mms section', record, 'mms', /no MMS rate/],
    ['WhatsApp', record, 'whatsapp', /does not price WhatsApp/],
    ['SMS without a message section', { country_iso: 'XX' }, 'sms', /no SMS rate/],
    ['SMS without any readable rate', { message: { outbound: {}, outbound_networks_list: [{ rate: '' }] } }, 'sms', /no outbound SMS rate/],
    ['a message section that is not an object', { message: 'free' }, 'sms', /no SMS rate/],
  ])('cannot be had for %s', (_label, list, type, reason) => {
    const outcome = dearestRate(list, type);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.reason).toMatch(reason);
  });
});

describe('estimateCost', () => {
  it('multiplies units by rate per country, dearest first, without drift', () => {
    const estimate = estimateCost(
      usage([
        ['US', 1200, 1000],
        ['GB', 350, 300],
      ]),
      priced([
        ['US', '0.00500'],
        ['GB', '0.04200'],
      ]),
    );
    expect(estimate).toEqual({
      total: 20_700_000,
      units: 1550,
      byCountry: [
        { country: 'GB', units: 350, messages: 300, rate: 42_000, amount: 14_700_000 },
        { country: 'US', units: 1200, messages: 1000, rate: 5000, amount: 6_000_000 },
      ],
      missing: [],
    });
  });

  it('adds a million small amounts exactly (where binary fractions would drift)', () => {
    const estimate = estimateCost(usage([['IN', 1_000_000]]), priced([['IN', '0.00250']]));
    expect(estimate.total).toBe(2_500_000_000);
    expect(describeEstimate(estimate)).toMatch(/^About \$2,500\.00 for 1,000,000 units/);
  });

  it('lists countries without a price (or not looked up) as missing, most units first', () => {
    const prices = priced([['US', '0.005']]);
    prices.set('CH', { ok: false, reason: 'Plivo lists no price for it (404)' });
    const estimate = estimateCost(
      usage([
        ['US', 10],
        ['CH', 3],
        ['JP', 5, 1],
      ]),
      prices,
    );
    expect(estimate.total).toBe(50_000);
    expect(estimate.units).toBe(10);
    expect(estimate.missing).toEqual([
      { country: 'JP', units: 5, messages: 1, reason: 'its price was not looked up' },
      { country: 'CH', units: 3, messages: 3, reason: 'Plivo lists no price for it (404)' },
    ]);
  });

  it('ignores countries with nothing to send, and sorts ties by country', () => {
    const estimate = estimateCost(
      usage([
        ['FR', 0, 0],
        ['DE', 2],
        ['AU', 2],
      ]),
      priced([
        ['DE', '0.01'],
        ['AU', '0.01'],
      ]),
    );
    expect(estimate.byCountry.map((c) => c.country)).toEqual(['AU', 'DE']);
    expect(estimate.missing).toEqual([]);
  });
});

describe('formatAmount and formatRate', () => {
  it.each<[number, string, string]>([
    [12_400_000, '$12.40', '$12.4000'],
    [5000, '$0.005', '$0.0050'],
    [42_000, '$0.042', '$0.0420'],
    [1250, '$0.00125', '$0.00125'],
    [0, '$0.00', '$0.0000'],
    [1_234_567_890_000, '$1,234,567.89', '$1,234,567.8900'],
    [25_003_500, '$25.0035', '$25.0035'],
  ])('%i micros → %s, rate %s', (micros, amount, rate) => {
    expect(formatAmount(micros)).toBe(amount);
    expect(formatRate(micros)).toBe(rate);
  });
});

describe('describeEstimate', () => {
  it('gives the total and each country, dearest first', () => {
    const estimate = estimateCost(
      usage([
        ['US', 1200],
        ['GB', 350],
      ]),
      priced([
        ['US', '0.00500'],
        ['GB', '0.04200'],
      ]),
    );
    expect(describeEstimate(estimate)).toBe('About $20.70 for 1,550 units; GB 350 × $0.0420 = $14.70, US 1,200 × $0.0050 = $6.00');
  });

  it('shows an amount under a dollar exactly, and one unit in the singular', () => {
    expect(describeEstimate(estimateCost(usage([['US', 1]]), priced([['US', '0.00500']])))).toBe('About $0.005 for 1 unit; US 1 × $0.0050 = $0.005');
  });

  it('rounds a total from a dollar up to the cent', () => {
    expect(describeEstimate(estimateCost(usage([['US', 1001]]), priced([['US', '0.00500']])))).toMatch(/^About \$5\.01 for 1,001 units/);
  });

  it('says "at least" and names the countries without a price', () => {
    const prices = priced([['US', '0.005']]);
    prices.set('CH', { ok: false, reason: 'no price' });
    const text = describeEstimate(
      estimateCost(
        usage([
          ['US', 10],
          ['CH', 3],
          ['JP', 1],
        ]),
        prices,
      ),
    );
    expect(text).toBe('At least $0.05 for 10 units; US 10 × $0.0050 = $0.05; price unknown for CH (3 units), JP (1 unit)');
  });

  it('says the cost is unknown when no country has a price', () => {
    expect(describeEstimate(estimateCost(usage([['CH', 3]]), new Map()))).toBe('Cost unknown: no price for CH (3 units)');
  });

  it('sums up countries past the fifth', () => {
    const countries = ['AU', 'CA', 'DE', 'FR', 'GB', 'IN', 'US'];
    const estimate = estimateCost(usage(countries.map((c, i) => [c, 100 * (i + 1)])), priced(countries.map((c) => [c, '0.01'])));
    const text = describeEstimate(estimate);
    expect(text).toMatch(/^About \$28\.00 for 2,800 units; US 700 × \$0\.0100 = \$7\.00, IN 600/);
    expect(text).toMatch(/, DE 300 × \$0\.0100 = \$3\.00, 2 other countries, 300 units = \$3\.00$/);
  });

  it('says when there is nothing to pay for', () => {
    expect(describeEstimate(estimateCost(new Map(), new Map()))).toBe('Nothing to pay for: no units to send');
  });
});

describe('checkMaxCost', () => {
  const estimate = estimateCost(
    usage([
      ['US', 1200],
      ['GB', 350],
    ]),
    priced([
      ['US', '0.00500'],
      ['GB', '0.04200'],
    ]),
  );

  it('lets an estimate at or under the maximum through', () => {
    expect(checkMaxCost(estimate, 20_700_000)).toBeUndefined();
    expect(checkMaxCost(estimate, 25_000_000)).toBeUndefined();
  });

  it('refuses an estimate above the maximum, naming both amounts exactly', () => {
    const refusal = checkMaxCost(estimate, 20_699_999);
    expect(refusal?.message).toBe('The estimated cost, $20.70 for 1,550 units, is above --max-cost $20.699999. Nothing was sent.');
    expect(refusal?.hint).toMatch(/Raise --max-cost to at least \$20\.70/);
  });

  it('refuses when a price is missing, naming the countries and why, whatever the maximum', () => {
    const prices = priced([['US', '0.005']]);
    prices.set('CH', { ok: false, reason: 'Plivo lists no price for it (404)' });
    prices.set('JP', { ok: false, reason: 'Plivo lists no price for it (404)' });
    prices.set('FR', { ok: false, reason: 'the Pricing API could not be asked (timed out)' });
    const refusal = checkMaxCost(
      estimateCost(
        usage([
          ['US', 1],
          ['CH', 3],
          ['JP', 1],
          ['FR', 2],
        ]),
        prices,
      ),
      1_000_000_000,
    );
    expect(refusal?.message).toBe(
      '--max-cost needs a price for every destination country, and none could be had for CH (3 units) and JP (1 unit): Plivo lists no price for it (404); FR (2 units): the Pricing API could not be asked (timed out). Nothing was sent.',
    );
    expect(refusal?.hint).toMatch(/Remove the numbers of those countries/);
  });

  it('says why WhatsApp cannot be bounded', () => {
    const prices = new Map([['US', dearestRate({}, 'whatsapp')]]);
    const refusal = checkMaxCost(estimateCost(usage([['US', 2]]), prices), 1_000_000);
    expect(refusal?.message).toMatch(/US \(2 units\): Plivo's Pricing API does not price WhatsApp conversations/);
    expect(refusal?.hint).toMatch(/Drop --max-cost to send WhatsApp messages/);
  });
});
