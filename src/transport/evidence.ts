/**
 * When a record of Plivo's message list proves that an attempt whose answer was lost queued its
 * message (pure: records and the clock in, verdicts out). Records hold no text (Plivo's Message
 * API documentation, "Message object"), so a record is this attempt's only when everything it
 * does hold agrees, its time is certainly not before the attempt started, and nothing else could
 * own it. Every doubt leaves the outcome unknown: a wrong "found" loses a message, a wrong
 * "absent" sends it twice.
 */
import type { MessageRecord } from './client.js';
import type { PlivoClock } from './clock.js';

/** One attempt whose outcome is unknown, as the lookup needs it. */
export interface Attempted {
  /** The batch row (0 for a single send). */
  key: number;
  destinations: string[];
  /** Local ms: no request of this attempt left before it. */
  since: number;
  /**
   * `since` on Plivo's clock (lowest and highest ms), as measured when the attempt was made (a
   * resumed batch row): a record that today's view of the clock places on one side of the start
   * and this measurement on the other is left unplaced (this machine's clock was stepped).
   */
  sincePlivo?: { lo: number; hi: number } | undefined;
  /** Local ms: the attempt's message, if queued, was queued by then (the caught-up bar). */
  latestQueue: number;
  type: string;
  src?: string | undefined;
  powerpackUuid?: string | undefined;
  /** SMS units of the text; undefined where not known (mms, whatsapp). */
  units?: number | undefined;
}

export type Verdict =
  /** One record per destination; `missing` destinations certainly got none (refused as invalid). */
  | { kind: 'found'; uuids: string[]; missing: string[] }
  | { kind: 'absent' }
  /** Nothing found, but the list may not show everything yet: look again later. */
  | { kind: 'pending' }
  | { kind: 'unknown'; reason: string; seen: string[] };

/** `match`: the record says it is such a message; `other`: it certainly is not; `maybe`: cannot tell. */
export type Fit = 'match' | 'other' | 'maybe';

/** What the list showed for the numbers looked up. */
export interface Evidence {
  /** Records per destination number (any order). */
  byNumber: Map<string, MessageRecord[]>;
  /** Numbers whose records could not all be read (too many): their attempts stay unknown. */
  incomplete: Set<string>;
  /** The newest message_time (Plivo ms) of any record the list showed. */
  newest: number | undefined;
  /** Whether a second look, a settle time after the first, was made. */
  secondLook: boolean;
}

/** `2024-08-21 18:28:49.244057+05:30` → ms; undefined without an offset (its zone is unknown). */
export function recordTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const fraction = m[3] ? m[3].slice(0, 4) : '';
  const zone = m[4] === 'Z' ? 'Z' : m[4]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether a record's own fields (not its time) fit the attempt. */
export function fitOf(record: MessageRecord, attempt: Attempted): Fit {
  const fits = [fitType(record, attempt), fitSender(record, attempt), fitUnits(record, attempt)];
  if (fits.includes('other')) return 'other';
  return fits.includes('maybe') ? 'maybe' : 'match';
}

function fitType(record: MessageRecord, attempt: Attempted): Fit {
  if (record.message_direction !== undefined && record.message_direction !== 'outbound') return 'other';
  const type = record.message_type;
  if (typeof type !== 'string' || type === '') return 'maybe';
  return type === attempt.type ? 'match' : 'other';
}

function fitSender(record: MessageRecord, attempt: Attempted): Fit {
  const from = typeof record.from_number === 'string' ? record.from_number.replace(/[^A-Za-z0-9]/g, '') : '';
  if (attempt.powerpackUuid !== undefined) {
    // The number is picked from the pool: only the record's powerpack can tell.
    const pack = record.powerpack_id;
    if (typeof pack !== 'string' || pack === '') return 'maybe';
    return pack === attempt.powerpackUuid ? 'match' : 'other';
  }
  const src = (attempt.src ?? '').replace(/[^A-Za-z0-9]/g, '');
  if (src === '' || from === '') return 'maybe';
  if (/^\d+$/.test(src)) return from === src ? 'match' : 'other';
  // An alphanumeric sender ID may be replaced by a number where IDs are not allowed (the US):
  // a numeric from_number cannot rule the record out, only another ID can.
  if (from.toUpperCase() === src.toUpperCase()) return 'match';
  return /^\d+$/.test(from) ? 'maybe' : 'other';
}

/**
 * Plivo bills the units; this tool counts them the same way, but a difference proves less than
 * a resend costs: a record with other units is never evidence for the attempt, nor ruled out.
 */
function fitUnits(record: MessageRecord, attempt: Attempted): Fit {
  if (attempt.units === undefined || record.units === undefined || record.units === null || record.units === '') return 'match';
  return Number(record.units) === attempt.units ? 'match' : 'maybe';
}

/** A record that may be `attempt`'s, and whether it is certainly so on its own. */
interface Candidate {
  record: MessageRecord;
  certain: boolean;
  why?: string;
}

function candidates(records: MessageRecord[], attempt: Attempted, clock: PlivoClock, exclude: ReadonlySet<string>): Candidate[] {
  const out: Candidate[] = [];
  for (const record of records) {
    if (exclude.has(record.message_uuid)) continue;
    const fit = fitOf(record, attempt);
    if (fit === 'other') continue;
    const at = recordTime(record.message_time);
    const place = at === undefined ? 'unsure' : placeSince(at, attempt, clock);
    if (place === 'before') continue;
    const why = place === 'unsure' ? unplaced(at, clock) : fit === 'maybe' ? 'its sender, type or units cannot be confirmed' : undefined;
    out.push({ record, certain: place === 'after' && fit === 'match', ...(why === undefined ? {} : { why }) });
  }
  return out;
}

/**
 * Where a record's Plivo time falls against the attempt's start: through today's view of Plivo's
 * clock (narrowed by probes), and, for a resumed row, also against the start as its run measured
 * it on Plivo's clock (narrow after many answers). Both are true when this machine's clock was not
 * stepped in between, so they never contradict each other: where today's view cannot tell, the
 * run's decides; after a step today's view is wrong, and a contradiction leaves the record
 * unplaced instead of misplaced.
 */
function placeSince(at: number, attempt: Attempted, clock: PlivoClock): 'after' | 'before' | 'unsure' {
  const today = clock.place(at, attempt.since);
  const since = attempt.sincePlivo;
  if (since === undefined) return today;
  // The run's own measurement, with a margin for the drift of either clock during a long run.
  const then = at >= since.hi + DRIFT_MARGIN_MS ? 'after' : at < since.lo - DRIFT_MARGIN_MS ? 'before' : 'unsure';
  if (today === 'unsure') return then;
  return (today === 'after' && then === 'before') || (today === 'before' && then === 'after') ? 'unsure' : today;
}

/** Clocks drift apart by a few milliseconds an hour at most; a run's measurement is trusted this far. */
const DRIFT_MARGIN_MS = 20;

function unplaced(at: number | undefined, clock: PlivoClock): string {
  if (at === undefined) return 'its message_time has no time zone';
  if (!clock.known) return "Plivo's answers carry no Date header to place its time by";
  return 'its time is too close to the attempt to tell which came first';
}

/**
 * Judges every attempt against the evidence. A record goes to an attempt only when it is the
 * attempt's sole candidate for that number and no other attempt to the same number could own it
 * (two rows to one number: a record later than both could be either).
 */
export function judge(attempts: Attempted[], evidence: Evidence, clock: PlivoClock, exclude: (dst: string) => ReadonlySet<string>): Map<number, Verdict> {
  const pools = new Map<string, Array<{ attempt: Attempted; found: Candidate[] }>>();
  for (const attempt of attempts) {
    for (const dst of attempt.destinations) {
      const found = candidates(evidence.byNumber.get(dst) ?? [], attempt, clock, exclude(dst));
      pools.set(dst, [...(pools.get(dst) ?? []), { attempt, found }]);
    }
  }
  const verdicts = new Map<number, Verdict>();
  for (const attempt of attempts) verdicts.set(attempt.key, judgeOne(attempt, pools, evidence, clock));
  return verdicts;
}

function judgeOne(attempt: Attempted, pools: Map<string, Array<{ attempt: Attempted; found: Candidate[] }>>, evidence: Evidence, clock: PlivoClock): Verdict {
  const uuids: string[] = [];
  const missing: string[] = [];
  const doubts: string[] = [];
  const seen: string[] = [];
  for (const dst of attempt.destinations) {
    if (evidence.incomplete.has(dst)) {
      doubts.push(`Plivo lists too many messages to ${dst} to read them all`);
      continue;
    }
    const pool = pools.get(dst) ?? [];
    const own = pool.find((p) => p.attempt === attempt)?.found ?? [];
    seen.push(...own.map((c) => c.record.message_uuid));
    if (own.length === 0) {
      missing.push(dst);
      continue;
    }
    const only = own.length === 1 ? own[0]! : undefined;
    const rivals = only ? pool.filter((p) => p.attempt !== attempt && p.found.some((c) => c.record.message_uuid === only.record.message_uuid)) : [];
    if (only?.certain && rivals.length === 0) uuids.push(only.record.message_uuid);
    else if (!only) doubts.push(`${own.length} messages to ${dst} could be this one (${own.map((c) => c.record.message_uuid).join(', ')})`);
    else if (rivals.length > 0) doubts.push(`${only.record.message_uuid} to ${dst} could as well be row ${rivals.map((r) => r.attempt.key).join(', row ')}'s`);
    else doubts.push(`${only.record.message_uuid} to ${dst} may be this one, but ${only.why ?? 'it cannot be confirmed'}`);
  }
  if (doubts.length > 0) return { kind: 'unknown', reason: doubts.join('; '), seen };
  if (missing.length === 0) return { kind: 'found', uuids, missing };
  if (!caughtUp(attempt, evidence, clock)) return { kind: 'pending' };
  return uuids.length > 0 ? { kind: 'found', uuids, missing } : { kind: 'absent' };
}

/**
 * Whether the list shows everything up to the attempt's latest queueing time. Plivo's list may
 * lag behind its queue; assumed: a record becomes visible no later than records queued after it
 * and no later than a settle time after it was queued. So a visible record certainly newer than
 * the attempt's bar, or a second look a settle time after the first, proves the list caught up.
 */
export function caughtUp(attempt: Attempted, evidence: Evidence, clock: PlivoClock): boolean {
  if (evidence.secondLook) return true;
  return evidence.newest !== undefined && clock.place(evidence.newest, attempt.latestQueue) === 'after';
}

/**
 * Offsets (Plivo minus local, ms) at which the verdicts could change: where a candidate's time
 * meets its attempt's start, or the newest record meets an attempt's bar. A clock probe at one
 * of them (client.probeClock) can settle it.
 */
export function decisionPoints(attempts: Attempted[], evidence: Evidence, clock: PlivoClock, exclude: (dst: string) => ReadonlySet<string>): number[] {
  const points: number[] = [];
  const inZone = (x: number) => x >= clock.lo && x < clock.hi;
  for (const attempt of attempts) {
    for (const dst of attempt.destinations) {
      for (const record of evidence.byNumber.get(dst) ?? []) {
        if (exclude(dst).has(record.message_uuid) || fitOf(record, attempt) === 'other') continue;
        const at = recordTime(record.message_time);
        if (at !== undefined && inZone(at - attempt.since)) points.push(at - attempt.since);
      }
    }
    if (evidence.newest !== undefined && inZone(evidence.newest - attempt.latestQueue)) points.push(evidence.newest - attempt.latestQueue);
  }
  return points;
}
