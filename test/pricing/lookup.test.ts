import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/errors.js';
import { SANDBOX_PRICES, SANDBOX_UNPRICED } from '../../src/sandbox/pricing.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { PlivoClient } from '../../src/transport/client.js';
import { lookupPrices, PRICE_CACHE_TTL_MS, type LookupOptions } from '../../src/transport/pricing.js';
import { userCacheDir } from '../../src/cache-dir.js';

const T0 = Date.parse('2025-03-01T12:00:00Z');

let sandbox: Sandbox;
let root: string;
let dir: string;
/** How many requests the sandbox had received when the test began. */
let before = 0;
const clients: PlivoClient[] = [];

function clientOf(target: Sandbox, authToken = target.authToken, apiUrl = target.url): PlivoClient {
  const client = new PlivoClient({ authId: target.authId, authToken, apiUrl, version: 't', maxRetries: 0, sleep: async () => undefined });
  clients.push(client);
  return client;
}

/** The Pricing requests the sandbox received, as `country_iso` values. */
const asked = (target: Sandbox = sandbox): string[] =>
  target
    .requests()
    .slice(target === sandbox ? before : 0)
    .filter((r) => r.url.includes('/Pricing/'))
    .map((r) => new URL(r.url, 'http://x').searchParams.get('country_iso') ?? '');

const options = (extra: Partial<LookupOptions> = {}): LookupOptions => ({ cacheDir: dir, now: () => T0, ...extra });

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimit: false });
  root = mkdtempSync(join(tmpdir(), 'plivo-send-prices-'));
});

afterAll(async () => {
  for (const client of clients) client.close();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  dir = mkdtempSync(join(root, 'cache-'));
  before = sandbox.requests().length;
});

describe('lookupPrices', () => {
  it('asks once per country, uppercased and deduplicated, and takes the dearest network', async () => {
    const seen: string[] = [];
    const prices = await lookupPrices(clientOf(sandbox), ['US', 'gb', 'GB', 'us', 'IN'], 'sms', options({ onRequest: (c) => seen.push(c) }));
    expect(asked().sort()).toEqual(['GB', 'IN', 'US']);
    expect(seen.sort()).toEqual(['GB', 'IN', 'US']);
    expect([...prices]).toEqual([
      ['GB', { ok: true, rate: 42_000, network: 'Vodafone' }],
      ['IN', { ok: true, rate: 2500, network: 'Jio' }],
      ['US', { ok: true, rate: 5000, network: 'All networks' }],
    ]);
  });

  it('answers from the cache for a day without asking again, for SMS and MMS alike', async () => {
    const client = clientOf(sandbox);
    await lookupPrices(client, ['US', 'GB'], 'sms', options());
    expect(asked()).toHaveLength(2);

    const later = await lookupPrices(client, ['US', 'GB'], 'sms', options({ now: () => T0 + PRICE_CACHE_TTL_MS - 1 }));
    expect(asked()).toHaveLength(2);
    expect(later.get('US')).toEqual({ ok: true, rate: 5000, network: 'All networks' });

    const mms = await lookupPrices(client, ['US', 'GB'], 'mms', options());
    expect(asked()).toHaveLength(2);
    expect(mms.get('US')).toEqual({ ok: true, rate: 20_000, network: 'All networks' });
    expect(mms.get('GB')).toEqual({ ok: false, reason: "Plivo's prices there have no MMS rate" });
  });

  it('asks again once the day is over, and again when the clock went back', async () => {
    const client = clientOf(sandbox);
    await lookupPrices(client, ['US'], 'sms', options());
    await lookupPrices(client, ['US'], 'sms', options({ now: () => T0 + PRICE_CACHE_TTL_MS }));
    expect(asked()).toEqual(['US', 'US']);
    await lookupPrices(client, ['US'], 'sms', options({ now: () => T0 + PRICE_CACHE_TTL_MS - 60_000 }));
    expect(asked()).toEqual(['US', 'US', 'US']);
  });

  it('gives a reason for a country without a price, and does not cache it', async () => {
    const client = clientOf(sandbox);
    const prices = await lookupPrices(client, [...SANDBOX_UNPRICED, 'US'], 'sms', options());
    for (const country of SANDBOX_UNPRICED) {
      expect(prices.get(country)).toEqual({ ok: false, reason: `Plivo lists no price for it (404: no pricing available for country_iso ${country})` });
    }
    await lookupPrices(client, [...SANDBOX_UNPRICED, 'US'], 'sms', options());
    expect(asked().sort()).toEqual([...SANDBOX_UNPRICED, ...SANDBOX_UNPRICED, 'US'].sort());
  });

  it('writes the cache owner-only, keyed by API URL and Auth ID, never holding the token', async () => {
    const cacheDir = join(dir, 'new', 'plivo-send');
    await lookupPrices(clientOf(sandbox), ['DE'], 'sms', options({ cacheDir }));
    const file = join(cacheDir, 'prices.json');
    expect(readdirSync(cacheDir)).toEqual(['prices.json']); // the temporary file was renamed
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    }
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(sandbox.authToken);
    const cache = JSON.parse(text) as { version: number; entries: Record<string, { fetchedAt: number; prices: { message: unknown } }> };
    expect(Object.keys(cache.entries)).toEqual([`${sandbox.url}/v1/Account/${sandbox.authId}/Pricing/?country_iso=DE`]);
    expect(Object.values(cache.entries)[0]).toMatchObject({ fetchedAt: T0, prices: { message: { outbound: { rate: SANDBOX_PRICES.DE!.outbound } } } });
  });

  it("does not use one account's cached prices for another", async () => {
    const other = await startSandbox({ rateLimit: false });
    try {
      await lookupPrices(clientOf(sandbox), ['FR'], 'sms', options());
      await lookupPrices(clientOf(other), ['FR'], 'sms', options());
      expect(asked()).toEqual(['FR']);
      expect(asked(other)).toEqual(['FR']);
      // Both are kept: the first account still answers from the cache.
      await lookupPrices(clientOf(sandbox), ['FR'], 'sms', options());
      expect(asked()).toEqual(['FR']);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['not JSON', '{"version": 1, "entries": {'],
    ['another version', '{"version": 99, "entries": {}}'],
    ['entries of the wrong shape', '{"version": 1, "entries": []}'],
  ])('ignores a cache file that is %s, and writes a good one', async (_label, content) => {
    const file = join(dir, 'prices.json');
    writeFileSync(file, content);
    const prices = await lookupPrices(clientOf(sandbox), ['AU'], 'sms', options());
    expect(prices.get('AU')).toEqual({ ok: true, rate: 45_000, network: 'All networks' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      version: 1,
      entries: { [`${sandbox.url}/v1/Account/${sandbox.authId}/Pricing/?country_iso=AU`]: {} },
    });
  });

  it('skips a broken entry and drops expired ones when it writes', async () => {
    const file = join(dir, 'prices.json');
    const key = (c: string) => `${sandbox.url}/v1/Account/${sandbox.authId}/Pricing/?country_iso=${c}`;
    const entries = {
      [key('US')]: { fetchedAt: 'yesterday', prices: {} },
      [key('CA')]: { fetchedAt: T0 - PRICE_CACHE_TTL_MS - 1, prices: { message: { outbound: { rate: '9' } } } },
      [key('IN')]: { fetchedAt: T0 - 1000, prices: { message: { outbound: { rate: '0.00300' } } } },
    };
    writeFileSync(file, JSON.stringify({ version: 1, entries }));
    const prices = await lookupPrices(clientOf(sandbox), ['US', 'CA', 'IN'], 'sms', options());
    expect(asked().sort()).toEqual(['CA', 'US']);
    expect(prices.get('CA')).toEqual({ ok: true, rate: 5500, network: 'All networks' });
    expect(prices.get('IN')).toEqual({ ok: true, rate: 3000 });
    const written = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { fetchedAt: number }> };
    expect(Object.keys(written.entries).sort()).toEqual([key('CA'), key('IN'), key('US')].sort());
    expect(written.entries[key('CA')]!.fetchedAt).toBe(T0);
  });

  it('works without a cache, and warns (but answers) when the cache cannot be written', async () => {
    const client = clientOf(sandbox);
    expect((await lookupPrices(client, ['US'], 'sms', { now: () => T0 })).get('US')).toMatchObject({ ok: true });
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const warnings: string[] = [];
    const prices = await lookupPrices(client, ['US'], 'sms', { cacheDir: join(blocker, 'cache'), onWarning: (w) => warnings.push(w) });
    expect(prices.get('US')).toMatchObject({ ok: true, rate: 5000 });
    expect(warnings).toEqual([
      expect.stringMatching(/^Could not save the price cache .*not-a-dir.*prices\.json: .*\(ENOTDIR\)\. Prices will be asked for again next time\.$/),
    ]);
  });

  it('asks nothing for WhatsApp, or for something that is not a country code', async () => {
    const whatsapp = await lookupPrices(clientOf(sandbox), ['US', 'GB'], 'whatsapp', options());
    expect(whatsapp.get('US')).toEqual({ ok: false, reason: "Plivo's Pricing API does not price WhatsApp conversations" });
    const odd = await lookupPrices(clientOf(sandbox), ['', '001'], 'sms', options());
    expect(odd.get('001')).toEqual({ ok: false, reason: 'not a country Plivo prices (no ISO 3166 country code)' });
    expect(asked()).toEqual([]);
  });

  it('gives the network failure as the reason', async () => {
    const closed = await startSandbox();
    const url = closed.url;
    await closed.close();
    const prices = await lookupPrices(clientOf(sandbox, sandbox.authToken, url), ['US', 'GB'], 'sms', options());
    for (const country of ['US', 'GB']) {
      const outcome = prices.get(country);
      expect(outcome?.ok).toBe(false);
      if (outcome?.ok === false) expect(outcome.reason).toMatch(/^the Pricing API could not be asked \(Could not reach Plivo: ECONNREFUSED/);
    }
  });

  it('keeps a few requests in flight at once, never more than asked', async () => {
    let inFlight = 0;
    let most = 0;
    const calls: string[] = [];
    const client = {
      baseUrl: 'http://127.0.0.1:1/v1/Account/MA0/',
      getPricing: async (country: string) => {
        calls.push(country);
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { country_iso: country, message: { outbound: { rate: '0.01' } } };
      },
    };
    const countries = ['AU', 'CA', 'DE', 'FR', 'GB', 'IN', 'US'];
    const prices = await lookupPrices(client, countries, 'sms', { concurrency: 3 });
    expect(most).toBe(3);
    expect(calls.sort()).toEqual(countries);
    expect([...prices.keys()]).toEqual(countries);
  });

  it('throws when Plivo rejects the credentials, asking no further country', async () => {
    const attempt = lookupPrices(clientOf(sandbox, 'wrong-token'), ['AU', 'CA', 'DE', 'FR', 'GB', 'IN', 'US'], 'sms', options({ concurrency: 1 }));
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    expect(asked()).toEqual(['AU']);
  });
});

describe('userCacheDir', () => {
  it.each<[string, Record<string, string>, NodeJS.Platform, string]>([
    ['XDG_CACHE_HOME first', { XDG_CACHE_HOME: '/xdg' }, 'linux', '/xdg/plivo-send'],
    ['XDG_CACHE_HOME on macOS too', { XDG_CACHE_HOME: '/xdg' }, 'darwin', '/xdg/plivo-send'],
    ['a relative XDG_CACHE_HOME ignored', { XDG_CACHE_HOME: 'cache' }, 'linux', '/home/u/.cache/plivo-send'],
    ['Linux', {}, 'linux', '/home/u/.cache/plivo-send'],
    ['macOS', {}, 'darwin', '/home/u/Library/Caches/plivo-send'],
    ['Windows', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u\\AppData\\Local\\plivo-send\\Cache'],
  ])('%s', (_label, env, platform, expected) => {
    expect(userCacheDir(env, '/home/u', platform)).toBe(expected);
  });

  it('Windows without LOCALAPPDATA', () => {
    expect(userCacheDir({}, 'C:\\Users\\u', 'win32')).toBe('C:\\Users\\u\\AppData\\Local\\plivo-send\\Cache');
  });
});
