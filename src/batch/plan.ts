/**
 * The plan shown before a batch is sent (pure): rows, invalid rows with reasons, units by
 * encoding, duplicate (dst, text) pairs, the time it takes at `--rate`, and whether Plivo's queue
 * would hold messages past their `message_expiry`. Memory is bounded: a few samples of each kind,
 * counters, and a 64-bit hash per distinct row for duplicates (capped, see HashSet64).
 */
import type { MessageType } from '../core/message.js';
import { plural, formatCount } from '../core/format.js';
import { addUsage, UNPLACED } from '../core/cost.js';
import { DuplicateIndex } from './duplicates.js';
import { describeProblems, unitKind, unitsOf, type PreparedRow } from './row.js';

const SAMPLES = 10;
/** Plivo's default throughput per account (its Message API rate-limit documentation), messages per second. */
const DEFAULT_MPS: Partial<Record<MessageType, number>> = { sms: 5, mms: 0.25 };
const DEFAULT_MESSAGE_EXPIRY = 10_800;

/** Where a row stands before sending: new, sent in an earlier run, or to be checked first. */
export type RowStanding = 'new' | 'sent' | 'check';

export interface Plan {
  type: MessageType;
  rows: number;
  valid: number;
  invalid: number;
  invalidSamples: Array<{ row: number; error: string }>;
  /** Rows whose every destination is on a --suppress list: never sent, not an error. */
  suppressed: number;
  suppressedSamples: Array<{ row: number; dst: string }>;
  /** Rows already sent in an earlier run (resume). */
  alreadySent: number;
  /** Rows whose earlier outcome is unknown: looked up in Plivo's message list before sending. */
  toCheck: number;
  /** Valid rows still to send or check: one request each. */
  requests: number;
  /** Messages (destinations) in those requests. */
  messages: number;
  /** Units of those messages by kind: `GSM-7`, `UCS-2` (SMS segments), `MMS`, `WhatsApp`. */
  units: Record<string, number>;
  totalUnits: number;
  /** Messages and units to send by destination country (ISO 3166-1 alpha-2; `??` where the metadata cannot place a number). */
  countries: Map<string, { messages: number; units: number }>;
  duplicates: number;
  duplicateSamples: Array<{ row: number; first: number }>;
  /** Repeats not sent because of --skip-duplicates (counted in `invalid` and `duplicates` too). */
  skipped: number;
  /** Duplicate detection stopped after this many distinct rows (memory bound), if it did. */
  duplicateCheckStoppedAt: number | undefined;
  /** The shortest message_expiry among rows to send (Plivo's default when none sets one). */
  minExpiry: number;
}

export interface PlanOptions {
  /** --skip-duplicates: the rows' own index, which already marks each repeat invalid. */
  skipping?: DuplicateIndex | undefined;
  maxDuplicateEntries?: number | undefined;
}

export class PlanBuilder {
  private readonly plan: Plan;
  /** Undefined when skipping: the rows' index found the repeats already. */
  private readonly duplicates: DuplicateIndex | undefined;
  private readonly skipping: DuplicateIndex | undefined;

  constructor(type: MessageType, { skipping, maxDuplicateEntries }: PlanOptions = {}) {
    this.skipping = skipping;
    this.duplicates = skipping ? undefined : new DuplicateIndex(maxDuplicateEntries);
    this.plan = {
      type,
      rows: 0,
      valid: 0,
      invalid: 0,
      invalidSamples: [],
      suppressed: 0,
      suppressedSamples: [],
      alreadySent: 0,
      toCheck: 0,
      requests: 0,
      messages: 0,
      units: {},
      totalUnits: 0,
      countries: new Map(),
      duplicates: 0,
      duplicateSamples: [],
      skipped: 0,
      duplicateCheckStoppedAt: undefined,
      minExpiry: DEFAULT_MESSAGE_EXPIRY,
    };
  }

  add(prepared: PreparedRow, standing: RowStanding = 'new'): void {
    const plan = this.plan;
    plan.rows++;
    if (!prepared.ok && prepared.suppressed) {
      plan.suppressed++;
      if (plan.suppressedSamples.length < SAMPLES) plan.suppressedSamples.push({ row: prepared.row, dst: prepared.dst });
      return;
    }
    if (!prepared.ok) {
      plan.invalid++;
      if (prepared.duplicateOf !== undefined) {
        plan.skipped++;
        this.addDuplicate(prepared.row, prepared.duplicateOf);
      } else if (plan.invalidSamples.length < SAMPLES) {
        plan.invalidSamples.push({ row: prepared.row, error: describeProblems(prepared.problems) });
      }
      return;
    }
    plan.valid++;
    const { message } = prepared;
    const body = message.body;
    const first = this.duplicates?.firstRowOf(message, prepared.row) ?? 0;
    if (first !== 0) this.addDuplicate(prepared.row, first);
    if (standing === 'sent') {
      plan.alreadySent++;
      return;
    }
    if (standing === 'check') plan.toCheck++;
    plan.requests++;
    plan.messages += message.destinations.length;
    const units = unitsOf(message);
    const kind = unitKind(message);
    plan.units[kind] = (plan.units[kind] ?? 0) + units;
    plan.totalUnits += units;
    addUsage(plan.countries, message.countries, units / message.destinations.length);
    if (body.message_expiry !== undefined && body.message_expiry < plan.minExpiry) plan.minExpiry = body.message_expiry;
  }

  private addDuplicate(row: number, first: number): void {
    this.plan.duplicates++;
    if (this.plan.duplicateSamples.length < SAMPLES) this.plan.duplicateSamples.push({ row, first });
  }

  finish(): Plan {
    this.plan.duplicateCheckStoppedAt = (this.skipping ?? this.duplicates)?.stoppedAt;
    return this.plan;
  }
}

export interface Estimate {
  /** Seconds to make every request at `rate` (the lower bound; latency may add to it). */
  seconds: number;
  /** How long the last message waits in Plivo's queue at its default throughput. */
  queueSeconds: number | undefined;
  mps: number | undefined;
  expiryWarning: string | undefined;
}

/**
 * At `rate` requests/s Plivo receives messages faster than its default queue drains them
 * (5 SMS/s, 0.25 MMS/s), so the last message waits about messages/mps − messages/rate seconds.
 */
export function estimate(plan: Plan, rate: number): Estimate {
  const seconds = plan.requests / rate;
  const mps = DEFAULT_MPS[plan.type];
  if (mps === undefined || plan.messages === 0) return { seconds, queueSeconds: undefined, mps, expiryWarning: undefined };
  const queueSeconds = Math.max(0, plan.messages / mps - plan.messages / Math.max(rate, mps));
  const expiryWarning =
    queueSeconds > plan.minExpiry
      ? `At Plivo's default ${mps} ${plan.type.toUpperCase()}/s per account, the last messages would wait about ${formatDuration(queueSeconds)} in Plivo's queue, longer than their message_expiry (${formatCount(plan.minExpiry)} s): they would fail with error 420. Ask Plivo to raise the account's throughput, or split the batch over time.`
      : undefined;
  return { seconds, queueSeconds, mps, expiryWarning };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** The plan as human lines (no colour), for stderr. */
export function describePlan(plan: Plan, est: Estimate, { rate, source }: { rate: number; source: string }): string[] {
  const lines: string[] = [];
  lines.push(
    `Plan for ${source} (${plan.type}): ${plural(plan.rows, 'row')}, ${formatCount(plan.valid)} valid, ${formatCount(plan.invalid)} invalid` +
      (plan.suppressed > 0 ? `, ${formatCount(plan.suppressed)} suppressed` : ''),
  );
  if (plan.alreadySent > 0 || plan.toCheck > 0) {
    lines.push(
      `  Resuming: ${plural(plan.alreadySent, 'row')} already sent (journal), ${plural(plan.toCheck, 'row')} to look up in Plivo's message list before any re-send`,
    );
  }
  if (plan.requests > 0) {
    const kinds = Object.entries(plan.units).map(([kind, n]) => `${kind} ${formatCount(n)}`);
    lines.push(`  To send: ${plural(plan.messages, 'message')}, ${plural(plan.totalUnits, 'unit')} (${kinds.join(', ')})`);
    lines.push(`  By country: ${describeCountries(plan.countries)}`);
    lines.push(`  About ${formatDuration(est.seconds)} at ${rate} requests/s`);
  } else {
    lines.push('  Nothing to send.');
  }
  if (plan.duplicates > 0) {
    const shown = plan.duplicateSamples.map((d) => `row ${d.row} repeats row ${d.first}`).join(', ');
    const what = plan.skipped > 0 ? 'skipped (--skip-duplicates: same dst and text)' : '(same dst and text)';
    lines.push(`  ${plural(plan.duplicates, 'duplicate row')} ${what}: ${shown}${plan.duplicates > plan.duplicateSamples.length ? ', …' : ''}`);
  }
  if (plan.duplicateCheckStoppedAt !== undefined) {
    lines.push(`  Duplicates were checked among the first ${formatCount(plan.duplicateCheckStoppedAt)} distinct rows only (memory bound).`);
  }
  if (plan.suppressed > 0) {
    const shown = plan.suppressedSamples.map((x) => `row ${x.row} (${x.dst})`).join(', ');
    lines.push(`  Suppressed (--suppress, not sent): ${shown}${plan.suppressed > plan.suppressedSamples.length ? ', …' : ''}`);
  }
  const invalid = plan.invalid - plan.skipped;
  if (invalid > 0) {
    lines.push('  Invalid rows (not sent):');
    for (const s of plan.invalidSamples) lines.push(`    row ${s.row}: ${s.error}`);
    if (invalid > plan.invalidSamples.length)
      lines.push(`    … and ${formatCount(invalid - plan.invalidSamples.length)} more (every row is listed by --dry-run --json and in --results)`);
  }
  return lines;
}

/** `US 1,200 messages · GB 350 · ??  2`: most messages first, eight countries at most. */
function describeCountries(countries: ReadonlyMap<string, { messages: number }>): string {
  const sorted = [...countries].sort((a, b) => b[1].messages - a[1].messages || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const shown = sorted
    .slice(0, 8)
    .map(
      ([country, n], i) =>
        `${country === UNPLACED ? 'unplaced' : country} ${formatCount(n.messages)}${i === 0 ? ` ${n.messages === 1 ? 'message' : 'messages'}` : ''}`,
    );
  const rest = sorted.slice(8).reduce((sum, [, n]) => sum + n.messages, 0);
  return shown.join(' · ') + (rest > 0 ? ` · ${sorted.length - 8} other countries ${formatCount(rest)}` : '');
}

/** The plan as one JSON object (for `--json`, on stderr). */
export function planJson(plan: Plan, est: Estimate): Record<string, unknown> {
  return {
    type: plan.type,
    rows: plan.rows,
    valid: plan.valid,
    invalid: plan.invalid,
    suppressed: plan.suppressed,
    already_sent: plan.alreadySent,
    to_check: plan.toCheck,
    requests: plan.requests,
    messages: plan.messages,
    units: plan.units,
    total_units: plan.totalUnits,
    countries: Object.fromEntries([...plan.countries].map(([country, n]) => [country, { messages: n.messages, units: n.units }])),
    duplicates: plan.duplicates,
    duplicate_rows: plan.duplicateSamples,
    skipped_duplicates: plan.skipped,
    invalid_rows: plan.invalidSamples,
    estimated_seconds: Math.round(est.seconds * 10) / 10,
    ...(est.queueSeconds !== undefined ? { queue_seconds: Math.round(est.queueSeconds) } : {}),
    ...(est.expiryWarning ? { warning: est.expiryWarning } : {}),
  };
}
