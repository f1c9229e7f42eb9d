/**
 * Numbers and money, shared by single sends and batches: how destinations are read (`--country`,
 * `--no-number-check`, `--suppress`), and what a send will cost by Plivo's Pricing API, checked
 * against `--max-cost` before anything is sent.
 */
import type { Context } from '../context.js';
import type { Output } from '../output.js';
import type { Settings } from '../config/settings.js';
import type { SendFlags } from './flags.js';
import type { PlivoClient } from '../transport/client.js';
import { isKnownCountry, type NumberRules } from '../core/phone.js';
import {
  checkMaxCost,
  describeEstimate,
  formatAmount,
  estimateCost,
  parseMaxCost,
  type CostEstimate,
  type CountryUsage,
  type Micros,
  type PricedType,
} from '../core/cost.js';
import { RefusedError, UsageError, ValidationError } from '../errors.js';
import { resolve } from 'node:path';
import { userCacheDir } from '../cache-dir.js';

export interface NumberSettings {
  rules: NumberRules;
  /** `--suppress` lists, described for the plan. */
  suppressed: string | undefined;
}

/** `--country` (or `country`), `--no-number-check` and the `--suppress` files, read before anything is sent. */
export async function loadNumberSettings(ctx: Context, settings: Settings): Promise<NumberSettings> {
  let country: string | undefined;
  if (settings.country !== undefined) {
    country = settings.country.trim().toUpperCase();
    if (!isKnownCountry(country)) {
      const where = settings.sources.country === 'flag' ? '--country' : 'country (config file)';
      throw new UsageError(
        `${where} '${settings.country}' is not a country code the phone number metadata knows.`,
        'Give an ISO 3166-1 alpha-2 code such as US, GB, IN or DE.',
      );
    }
  }
  const rules: NumberRules = { country, check: settings.numberCheck !== false };
  const paths = settings.suppress === undefined ? [] : typeof settings.suppress === 'string' ? [settings.suppress] : settings.suppress;
  if (paths.length === 0) return { rules, suppressed: undefined };
  const { loadSuppressionList } = await import('../batch/suppress.js');
  const list = await loadSuppressionList(
    paths.map((p) => resolve(ctx.io.cwd, p)),
    rules,
  );
  return { rules: { ...rules, suppressed: (number) => list.sourceOf(number) }, suppressed: list.describe() };
}

/** `--max-cost` (or `maxCost`) in micro-units of the account currency, or undefined; a bad value is exit 1. */
export function maxCostOf(flags: SendFlags, settings: Settings): Micros | undefined {
  const value = flags.maxCost ?? settings.maxCost;
  if (value === undefined) return undefined;
  const parsed = parseMaxCost(value, flags.maxCost !== undefined ? '--max-cost' : 'maxCost');
  if (!parsed.ok) throw new ValidationError([parsed.problem]);
  return parsed.max;
}

/**
 * Prices each country once (cached for a day), prints the estimate, and refuses (exit 5) when it
 * is above `max` or a price is missing while a maximum is set. Without a maximum, a missing price
 * is only said. Returns the estimate, or undefined when nothing could be priced.
 */
export async function checkCost(
  ctx: Context,
  out: Output,
  client: PlivoClient,
  type: PricedType,
  usage: ReadonlyMap<string, CountryUsage>,
  max: Micros | undefined,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<CostEstimate | undefined> {
  if (usage.size === 0) return undefined;
  const { lookupPrices, NOT_CACHED } = await import('../transport/pricing.js');
  // cli-contract: `--dry-run --json` makes no network request; it prices from the cache alone.
  const cacheOnly = dryRun && out.json;
  const prices = await lookupPrices(client, [...usage.keys()], type, {
    cacheDir: userCacheDir(ctx.io.env, ctx.io.homedir, process.platform),
    onWarning: (line) => out.warn(line),
    cacheOnly,
  });
  const estimate = estimateCost(usage, prices);
  if (out.json) out.note(JSON.stringify({ cost: costJson(estimate, max) }));
  else {
    const text = describeEstimate(estimate);
    out.note(`${text.startsWith('Cost') ? '' : 'Cost: '}${text}${max !== undefined ? ` (--max-cost ${formatAmount(max)})` : ''}`);
  }
  if (max !== undefined) {
    const refusal = checkMaxCost(estimate, max);
    if (refusal && !dryRun) throw new RefusedError(refusal.message, refusal.hint, 'max_cost');
    // A dry run keeps its exit code (0, or 6 for invalid rows: cli-contract) and says what the run would do.
    if (refusal && cacheOnly && estimate.missing.some((m) => m.reason === NOT_CACHED))
      out.warn('--max-cost was not checked: some prices are not in the price cache.');
    else if (refusal) out.warn(`The real run would refuse to send: ${refusal.message.replace(/ Nothing was sent\.$/, '')}`);
  }
  return estimate;
}

function costJson(estimate: CostEstimate, max: Micros | undefined): Record<string, unknown> {
  return {
    total: estimate.total / 1_000_000,
    units: estimate.units,
    countries: estimate.byCountry.map((c) => ({ ...c })),
    missing: estimate.missing.map((m) => ({ ...m })),
    ...(max !== undefined ? { max_cost: max / 1_000_000 } : {}),
  };
}
