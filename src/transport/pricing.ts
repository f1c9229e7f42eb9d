/**
 * Prices of the destination countries, from Plivo's Pricing API (`GET …/Pricing/?country_iso=XX`,
 * one request per country), kept for a day in the user's cache directory so that a batch run
 * after a dry run, or the next day's first send, asks nothing it already knows. The cache holds
 * only the rates, keyed by the request's URL (API origin + Auth ID + country): never the token.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dearestRate, type PriceOutcome, type PricedType } from '../core/cost.js';
import { ApiError, AuthError, CliError, describeSystemError } from '../errors.js';
import type { PlivoClient, PricingRecord } from './client.js';

/** How long a country's prices are used without asking again. */
export const PRICE_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
const CACHE_FILE_NAME = 'prices.json';
const CACHE_VERSION = 1;
/** Requests in flight at once: a few, well under Plivo's 300 requests per 5 s. */
const DEFAULT_CONCURRENCY = 4;

export interface LookupOptions {
  /** The cache file itself; or */
  cacheFile?: string;
  /** the directory it lives in (`prices.json` there). Neither: no cache. */
  cacheDir?: string;
  /** The clock (ms since the epoch); tests move it a day on. */
  now?: () => number;
  /** Called before each request to the Pricing API, with the country asked for. */
  onRequest?: (country: string) => void;
  /** A cache that cannot be written (the lookup itself goes on). */
  onWarning?: (message: string) => void;
  concurrency?: number;
  /** Answer from the cache only, asking Plivo nothing (a `--dry-run --json` makes no request). */
  cacheOnly?: boolean;
}

/** The fields of one country's answer that the cache keeps. */
interface CachedPrices {
  country_iso?: string;
  message?: unknown;
  mms?: unknown;
}

interface CacheEntry {
  fetchedAt: number;
  prices: CachedPrices;
}

type Entries = Map<string, CacheEntry>;

/**
 * The rate per unit of each country (ISO 3166-1 alpha-2) for messages of `type`, or why it cannot
 * be had: no price listed (Plivo answers 404 or 400), a failed request, no rate of that type. A
 * country is asked for once; one asked within the last day comes from the cache. Throws only
 * AuthError (credentials Plivo rejects fail every country alike) and bugs.
 */
/** The reason of a price a cache-only lookup did not find. */
export const NOT_CACHED = 'not in the price cache, and a --json dry run asks Plivo nothing';

export async function lookupPrices(
  client: Pick<PlivoClient, 'getPricing' | 'baseUrl'>,
  countries: Iterable<string>,
  type: PricedType,
  options: LookupOptions = {},
): Promise<Map<string, PriceOutcome>> {
  const now = options.now ?? Date.now;
  const result = new Map<string, PriceOutcome>();
  const wanted = [...new Set([...countries].map((c) => c.toUpperCase()))].sort();
  const toAsk: string[] = [];
  for (const country of wanted) {
    if (!/^[A-Z]{2}$/.test(country)) result.set(country, { ok: false, reason: 'not a country Plivo prices (no ISO 3166 country code)' });
    // The Pricing API has no WhatsApp rates: asking would be a wasted request.
    else if (type === 'whatsapp') result.set(country, dearestRate({}, type));
    else toAsk.push(country);
  }
  if (toAsk.length === 0) return result;

  const file = options.cacheFile ?? (options.cacheDir === undefined ? undefined : path.join(options.cacheDir, CACHE_FILE_NAME));
  const cache = file === undefined ? { entries: new Map() as Entries, clean: true } : readCache(file, now());
  const keyOf = (country: string) => `${client.baseUrl}Pricing/?country_iso=${country}`;
  const misses: string[] = [];
  for (const country of toAsk) {
    const entry = cache.entries.get(keyOf(country));
    if (entry) result.set(country, dearestRate({ ...entry.prices, country_iso: country }, type));
    else if (options.cacheOnly) result.set(country, { ok: false, reason: NOT_CACHED });
    else misses.push(country);
  }

  const fetched: Entries = new Map();
  let authError: AuthError | undefined;
  const ask = async (country: string): Promise<void> => {
    options.onRequest?.(country);
    try {
      const record = await client.getPricing(country);
      const prices = pricesOf(record);
      result.set(country, dearestRate({ ...prices, country_iso: country }, type));
      // An answer without message rates is not kept: it might be a passing fault.
      if (prices.message !== undefined || prices.mms !== undefined) fetched.set(keyOf(country), { fetchedAt: now(), prices });
    } catch (error) {
      if (error instanceof AuthError) authError ??= error;
      else result.set(country, { ok: false, reason: reasonOf(error) });
    }
  };
  await runPool(misses, options.concurrency ?? DEFAULT_CONCURRENCY, ask, () => authError !== undefined);
  if (authError) throw authError;

  if (file !== undefined && (fetched.size > 0 || !cache.clean)) await saveCache(file, fetched, now(), options.onWarning);
  // In the order asked for, whatever order the answers came in.
  return new Map(wanted.map((country) => [country, result.get(country)!]));
}

function pricesOf(record: PricingRecord): CachedPrices {
  const prices: CachedPrices = {};
  if (typeof record !== 'object' || record === null) return prices;
  if (typeof record.message === 'object' && record.message !== null) prices.message = record.message;
  if (typeof record.mms === 'object' && record.mms !== null) prices.mms = record.mms;
  return prices;
}

/** Why a country's request brought no price. */
function reasonOf(error: unknown): string {
  if (error instanceof ApiError) {
    const said = typeof (error.body as { error?: unknown } | undefined)?.error === 'string' ? `: ${(error.body as { error: string }).error}` : '';
    if (error.status === 404 || error.status === 400) return `Plivo lists no price for it (${error.status}${said})`;
    return `the Pricing API refused the request (${error.status}${said})`;
  }
  if (error instanceof CliError) return `the Pricing API could not be asked (${error.message.replace(/\.$/, '')})`;
  throw error;
}

/** Runs `task` on every item, at most `limit` at a time, starting no new one once `stop()` holds. */
async function runPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * The cache's live entries. `clean` is false when the file should be written again even if
 * nothing new is learnt: it was corrupt, or held entries that have expired.
 */
function readCache(file: string, now: number): { entries: Entries; clean: boolean } {
  let text: string;
  try {
    // A few lines per country: read at once. A read through the event loop lets whatever else is
    // waiting run first, and a batch's first message waits for this one (up to 10 ms measured).
    text = readFileSync(file, 'utf8');
  } catch {
    return { entries: new Map(), clean: true };
  }
  const entries: Entries = new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { entries, clean: false };
  }
  const stored = (parsed as { version?: unknown; entries?: unknown } | null)?.entries;
  if ((parsed as { version?: unknown } | null)?.version !== CACHE_VERSION || typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    return { entries, clean: false };
  }
  let clean = true;
  for (const [key, value] of Object.entries(stored)) {
    const entry = value as Partial<CacheEntry> | null;
    // A time ahead of the clock (the clock was set back) is not trusted either.
    const live =
      typeof entry?.fetchedAt === 'number' &&
      entry.fetchedAt <= now &&
      now - entry.fetchedAt < PRICE_CACHE_TTL_MS &&
      typeof entry.prices === 'object' &&
      entry.prices !== null;
    if (live) entries.set(key, { fetchedAt: entry.fetchedAt!, prices: entry.prices! });
    else clean = false;
  }
  return { entries, clean };
}

/**
 * Writes the live entries of the file as it is now (another run may have added some) plus
 * `fresh`, to a temporary file renamed over the old one: a reader never sees half a file.
 * Readable by the owner only: it tells which countries an account sends to.
 */
async function saveCache(file: string, fresh: Entries, now: number, onWarning: ((message: string) => void) | undefined): Promise<void> {
  const { entries } = readCache(file, now);
  for (const [key, entry] of fresh) entries.set(key, entry);
  const body = `${JSON.stringify({ version: CACHE_VERSION, entries: Object.fromEntries(entries) })}\n`;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temporary, body, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    onWarning?.(`Could not save the price cache ${file}: ${describeSystemError(error)}. Prices will be asked for again next time.`);
  }
}
