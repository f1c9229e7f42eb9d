/**
 * What a send will cost, from Plivo's Pricing API (one answer per destination country): units ×
 * the dearest rate of the country's networks, since Plivo's answer does not say which network a
 * number is on. Money is counted in integer millionths of the account currency (USD), so sums of
 * a million rows never drift the way binary fractions do; Plivo quotes rates with 5 decimals.
 */
import { formatCount, plural } from './format.js';
import type { Problem } from './problems.js';

/** An amount in millionths of the account currency: 1 USD = 1,000,000. */
export type Micros = number;

export type PricedType = 'sms' | 'mms' | 'whatsapp';

const MICROS_PER_UNIT = 1_000_000;
/** --max-cost must stay below a billion: every sum of micros is then an exact integer. */
const MAX_AMOUNT = 1_000_000_000;
/** Why a WhatsApp send has no price (the refusal's hint differs). */
const WHATSAPP_UNPRICED = "Plivo's Pricing API does not price WhatsApp conversations";
/** Countries named one by one in the estimate line; the rest are summed up. */
const COUNTRIES_SHOWN = 5;

/** The part of a Pricing API answer the estimate reads (Plivo's field names). */
interface RateSection {
  outbound?: { rate?: unknown };
  outbound_networks_list?: Array<{ group_name?: unknown; rate?: unknown }>;
}

/** One country's answer of the Pricing API, as far as prices of messages go. */
export interface PriceList {
  country_iso?: string;
  /** SMS rates: `{ outbound: { rate }, outbound_networks_list: [{ group_name, rate }] }`. */
  message?: unknown;
  /** MMS rates, when Plivo's answer has them (it does only where Plivo carries MMS). */
  mms?: unknown;
}

/** A country's rate per unit, or why it cannot be had. */
export type PriceOutcome = { ok: true; rate: Micros; network?: string } | { ok: false; reason: string };

/**
 * `12.40` → 12400000. Plain decimals only; digits past the sixth decimal round up (a rate must
 * never be read as cheaper than it is). Undefined when `text` is not a decimal.
 */
export function parseMicros(text: string): Micros | undefined {
  const m = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/.exec(text);
  if (!m) return undefined;
  const whole = m[1] ?? '0';
  const fraction = m[2] ?? m[3] ?? '';
  if (whole.replace(/^0+/, '').length > 9) return undefined;
  const kept = fraction.slice(0, 6).padEnd(6, '0');
  const roundUp = /[1-9]/.test(fraction.slice(6)) ? 1 : 0;
  return Number(whole) * MICROS_PER_UNIT + Number(kept) + roundUp;
}

/**
 * `--max-cost` (or the config's `maxCost`): an amount in the account currency, `25`, `12.40` or
 * `$12.40`. Thousands separators are refused rather than guessed (`1,000` is 1.000 in much of the world).
 */
export function parseMaxCost(value: string | number, field = '--max-cost'): { ok: true; max: Micros } | { ok: false; problem: Problem } {
  const fail = (message: string) => ({ ok: false as const, problem: { field, message } });
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return fail('must be a number of dollars, e.g. 25 or 12.40');
    if (value < 0) return fail(`must be zero or more, not ${value}`);
    if (value >= MAX_AMOUNT) return fail(`must be less than ${MAX_AMOUNT.toLocaleString('en-US')}`);
    return { ok: true, max: Math.round(value * MICROS_PER_UNIT) };
  }
  const text = value.trim();
  if (text === '') return fail('is empty: give an amount in dollars, e.g. 25 or 12.40');
  const unsigned = text.replace(/^([-+]?)\$/, '$1');
  if (unsigned.startsWith('-')) return fail(`must be zero or more, not ${text}`);
  const digits = unsigned.replace(/^\+/, '');
  if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(digits)) return fail(`'${text}' has a thousands separator: write the amount without it (${digits.replace(/,/g, '')})`);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) return fail(`'${text}' is not an amount: use a number of dollars, e.g. 25 or 12.40`);
  if (/\.\d{7,}$/.test(digits)) return fail(`'${text}' has more than 6 decimals`);
  const max = parseMicros(digits.replace(/\.$/, ''));
  if (max === undefined) return fail(`must be less than ${MAX_AMOUNT.toLocaleString('en-US')}`);
  return { ok: true, max };
}

function isRateSection(value: unknown): value is RateSection {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rate as Plivo writes it: a decimal string (a JSON number is taken too). */
function readRate(value: unknown): Micros | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? parseMicros(String(value)) : undefined;
  return typeof value === 'string' ? parseMicros(value.trim()) : undefined;
}

/**
 * The rate that bounds what one unit to `list`'s country costs: the dearest of the outbound rate
 * and every network's rate (Plivo's Pricing API reference). SMS rates are in `message`; MMS
 * rates in `mms`, which Plivo includes only where it carries MMS; WhatsApp is billed per
 * conversation by Meta's rate card, which the Pricing API does not give.
 */
export function dearestRate(list: PriceList, type: PricedType): PriceOutcome {
  if (type === 'whatsapp') return { ok: false, reason: WHATSAPP_UNPRICED };
  const section = type === 'sms' ? list.message : list.mms;
  if (!isRateSection(section)) return { ok: false, reason: `Plivo's prices there have no ${type.toUpperCase()} rate` };
  let best: { rate: Micros; network?: string } | undefined;
  const outbound = readRate(section.outbound?.rate);
  if (outbound !== undefined) best = { rate: outbound };
  for (const network of Array.isArray(section.outbound_networks_list) ? section.outbound_networks_list : []) {
    const rate = readRate(network?.rate);
    if (rate === undefined || (best !== undefined && rate < best.rate)) continue;
    best = { rate, network: typeof network.group_name === 'string' ? network.group_name : undefined };
  }
  if (best === undefined) return { ok: false, reason: `Plivo's prices there have no outbound ${type.toUpperCase()} rate` };
  return best.network === undefined ? { ok: true, rate: best.rate } : { ok: true, rate: best.rate, network: best.network };
}

/** Units and messages going to one country. */
export interface CountryUsage {
  units: number;
  messages: number;
}

/** The country of a number the metadata cannot place (sent with --no-number-check). */
export const UNPLACED = '??';

/**
 * Adds one message's destinations to `usage` by country: each destination is one message of
 * `unitsEach` units (SMS segments; one for MMS and WhatsApp).
 */
export function addUsage(usage: Map<string, CountryUsage>, countries: ReadonlyArray<string | undefined>, unitsEach: number): void {
  for (const country of countries) {
    const key = country ?? UNPLACED;
    let entry = usage.get(key);
    if (entry === undefined) usage.set(key, (entry = { messages: 0, units: 0 }));
    entry.messages++;
    entry.units += unitsEach;
  }
}

interface CountryCost extends CountryUsage {
  /** ISO 3166-1 alpha-2. */
  country: string;
  rate: Micros;
  amount: Micros;
}

interface MissingPrice extends CountryUsage {
  country: string;
  reason: string;
}

export interface CostEstimate {
  /** Sum of the priced countries' amounts (a lower bound when `missing` is not empty). */
  total: Micros;
  /** Units of the priced countries. */
  units: number;
  /** Dearest first (then by country code). */
  byCountry: CountryCost[];
  /** Countries whose price could not be had, most units first. */
  missing: MissingPrice[];
}

/** Units × rate per country; a country without an outcome in `prices` counts as missing. */
export function estimateCost(usage: ReadonlyMap<string, CountryUsage>, prices: ReadonlyMap<string, PriceOutcome>): CostEstimate {
  const byCountry: CountryCost[] = [];
  const missing: MissingPrice[] = [];
  let total = 0;
  let units = 0;
  for (const [country, use] of usage) {
    if (use.units === 0 && use.messages === 0) continue;
    const price = prices.get(country);
    if (price?.ok) {
      const amount = use.units * price.rate;
      byCountry.push({ country, units: use.units, messages: use.messages, rate: price.rate, amount });
      total += amount;
      units += use.units;
    } else {
      missing.push({ country, units: use.units, messages: use.messages, reason: price?.reason ?? 'its price was not looked up' });
    }
  }
  byCountry.sort((a, b) => b.amount - a.amount || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
  missing.sort((a, b) => b.units - a.units || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
  return { total, units, byCountry, missing };
}

/** Micros as a decimal with at least `minDecimals` and no trailing zeros past them: `$0.0425`, `$12.40`. */
function decimal(micros: Micros, minDecimals: number): string {
  const whole = Math.floor(micros / MICROS_PER_UNIT);
  const fraction = String(micros % MICROS_PER_UNIT)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(minDecimals, '0');
  return `${formatCount(whole)}${fraction === '' ? '' : `.${fraction}`}`;
}

/** An amount exactly, cents at least: `$25.00`, `$25.0035`, `$0.005`. */
export function formatAmount(micros: Micros): string {
  return `$${decimal(micros, 2)}`;
}

/** A rate per unit, to four decimals at least (how Plivo's price pages show them): `$0.0050`. */
export function formatRate(micros: Micros): string {
  return `$${decimal(micros, 4)}`;
}

/** An amount for a glance: to the cent from $1 up, exactly below (a single SMS costs less than a cent). */
function roughAmount(micros: Micros): string {
  if (micros < MICROS_PER_UNIT) return formatAmount(micros);
  return formatAmount(Math.round(micros / 10_000) * 10_000);
}

function unitsText(units: number): string {
  return plural(units, 'unit');
}

/**
 * The estimate in one line, dearest countries first:
 * `About $12.40 for 1,550 units; US 1,200 × $0.0050 = $6.00, GB 350 × $0.0420 = $14.70`, and
 * `…; price unknown for CH (3 units)` when some price is missing (the total is then "at least").
 */
export function describeEstimate(estimate: CostEstimate): string {
  const parts: string[] = [];
  const shown = estimate.byCountry.slice(0, COUNTRIES_SHOWN);
  const rest = estimate.byCountry.slice(COUNTRIES_SHOWN);
  const countries = shown.map((c) => `${c.country} ${formatCount(c.units)} × ${formatRate(c.rate)} = ${roughAmount(c.amount)}`);
  if (rest.length > 0) {
    const amount = rest.reduce((sum, c) => sum + c.amount, 0);
    const units = rest.reduce((sum, c) => sum + c.units, 0);
    countries.push(`${plural(rest.length, 'other country', 'other countries')}, ${formatCount(units)} units = ${roughAmount(amount)}`);
  }
  if (estimate.byCountry.length > 0) {
    const lead = estimate.missing.length > 0 ? 'At least' : 'About';
    parts.push(`${lead} ${roughAmount(estimate.total)} for ${unitsText(estimate.units)}`, countries.join(', '));
  }
  if (estimate.missing.length > 0) {
    const unknown = estimate.missing.map((m) => `${m.country} (${unitsText(m.units)})`).join(', ');
    parts.push(estimate.byCountry.length > 0 ? `price unknown for ${unknown}` : `Cost unknown: no price for ${unknown}`);
  }
  if (parts.length === 0) return 'Nothing to pay for: no units to send';
  return parts.join('; ');
}

/**
 * Why `--max-cost` refuses the send, or undefined when it may go: a missing price refuses (the
 * cost cannot be bounded), and so does an estimate above `max`. The message names the countries
 * or the amounts; the hint says what to do.
 */
export function checkMaxCost(estimate: CostEstimate, max: Micros): { message: string; hint: string } | undefined {
  if (estimate.missing.length > 0) {
    const reasons = groupReasons(estimate.missing);
    const whatsapp = estimate.missing.every((m) => m.reason === WHATSAPP_UNPRICED);
    return {
      message: `--max-cost needs a price for every destination country, and none could be had for ${reasons}. Nothing was sent.`,
      hint: whatsapp
        ? 'Drop --max-cost to send WhatsApp messages (Meta bills them per conversation; see the Plivo console).'
        : 'Remove the numbers of those countries, or drop --max-cost to send without a cost limit.',
    };
  }
  if (estimate.total <= max) return undefined;
  return {
    message: `The estimated cost, ${formatAmount(estimate.total)} for ${unitsText(estimate.units)}, is above --max-cost ${formatAmount(max)}. Nothing was sent.`,
    hint: `Raise --max-cost to at least ${formatAmount(estimate.total)}, or send fewer or shorter messages.`,
  };
}

/** `CH (3 units) and JP (1 unit): no price listed; FR (2 units): timed out` — one reason named once. */
function groupReasons(missing: readonly MissingPrice[]): string {
  const byReason = new Map<string, MissingPrice[]>();
  for (const m of missing) byReason.set(m.reason, [...(byReason.get(m.reason) ?? []), m]);
  return [...byReason]
    .map(([reason, list]) => {
      const names = list.map((m) => `${m.country} (${unitsText(m.units)})`);
      const joined = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
      return `${joined}: ${reason}`;
    })
    .join('; ');
}
