/**
 * Looking attempts whose outcome is unknown up in Plivo's message list: the queries (few, paced
 * under the list endpoint's 20 a minute), clock probes when a record is too close to an attempt
 * to place, and a second look when the list may not have caught up. The verdicts are evidence.ts's.
 */
import { NetworkError } from '../errors.js';
import { formatPlivoTime, type MessageList, type MessageRecord, type PlivoClient } from './client.js';
import type { PlivoClock } from './clock.js';
import { decisionPoints, judge, recordTime, type Attempted, type Evidence, type Verdict } from './evidence.js';
import { abortableSleep } from './pacer.js';

export interface LookupOptions {
  /** How long a queued message may take to show in the list (the `settle` setting). */
  settleMs: number;
  /** Uuids known to belong to something else (other journalled rows), per number. */
  exclude?: (dst: string) => ReadonlySet<string>;
  /** Progress lines for the user. */
  note?: (line: string) => void;
  /** What the progress lines call the attempts ("40 unknown rows"). */
  label: string;
  signal?: AbortSignal;
}

const PAGE = 20;
/** Pages read for one number before its check counts as unfinished. */
const MAX_NUMBER_PAGES = 25;
/** Pages of the account-wide window before the check counts as unfinished. */
const MAX_WINDOW_PAGES = 100;
/** Clock probes per look: each waits for its moment, up to a second. */
const MAX_PROBES = 6;
/** Margin over the round trip for a probe that proves a record came before an attempt. */
const PROBE_GUARD_MS = 50;
// The list filter's time zone is unconfirmed (records carry their own offset, the filter none),
// so the server-side filter is widened by the largest UTC offset; records are placed by their own time.
const FILTER_SLACK_MS = 14 * 3600_000;
const NONE: ReadonlySet<string> = new Set();

/** Looks every attempt up; `pending` ones get a second look a settle time later. */
export async function lookUp(client: PlivoClient, attempts: Attempted[], options: LookupOptions): Promise<Map<number, Verdict>> {
  const verdicts = await look(client, attempts, options, false);
  const pending = attempts.filter((a) => verdicts.get(a.key)?.kind === 'pending');
  if (pending.length === 0) return verdicts;
  const seconds = Math.ceil(options.settleMs / 1000);
  const label = pending.length === attempts.length ? options.label : `${pending.length} of ${options.label}`;
  options.note?.(`Nothing found yet for ${label}, but Plivo's list can lag behind its queue: looking again in ${seconds} s.`);
  await abortableSleep(options.settleMs, options.signal);
  for (const [key, verdict] of await look(client, pending, { ...options, label }, true)) verdicts.set(key, verdict);
  return verdicts;
}

async function look(client: PlivoClient, attempts: Attempted[], options: LookupOptions, secondLook: boolean): Promise<Map<number, Verdict>> {
  const evidence = await gather(client, attempts, options, secondLook);
  const exclude = options.exclude ?? (() => NONE);
  let verdicts = judge(attempts, evidence, client.clock, exclude);
  const tried = new Set<number>();
  for (let probes = 0; probes < MAX_PROBES && !options.signal?.aborted; probes++) {
    if (![...verdicts.values()].some((v) => v.kind === 'unknown' || v.kind === 'pending')) break;
    const x = nextProbe(decisionPoints(attempts, evidence, client.clock, exclude), client.clock, tried);
    if (x === undefined) break;
    tried.add(x);
    await client.probeClock(x, options.signal);
    verdicts = judge(attempts, evidence, client.clock, exclude);
  }
  return verdicts;
}

/**
 * The offset to probe next. Clocks are usually in step (offset near 0), so a record after an
 * attempt by local reckoning is probably after it: prove the offset below the smallest such
 * point (which settles every larger one too); a record before it: prove the offset above the
 * largest such point (probing a guard later, to cover the round trip). Each point is tried once.
 */
function nextProbe(points: number[], clock: PlivoClock, tried: Set<number>): number | undefined {
  const likely = Math.min(Math.max(0, clock.lo), clock.hi);
  const above = points.filter((x) => x > likely && !tried.has(x));
  if (above.length > 0) return Math.min(...above);
  const below = points
    .filter((x) => x <= likely)
    .map((x) => x + PROBE_GUARD_MS)
    .filter((x) => !tried.has(x));
  return below.length > 0 ? Math.max(...below) : undefined;
}

/**
 * The records of every attempt's numbers since its start. One account-wide page (newest first)
 * comes first: it shows how current the list is (the caught-up check) and how dense the window
 * is. The rest is read the cheaper way: on through the account-wide window when that takes no
 * more requests than one query per number would (a quiet account, or many rows in a short
 * time), else one query per number (a busy account, few numbers).
 */
async function gather(client: PlivoClient, attempts: Attempted[], options: LookupOptions, secondLook: boolean): Promise<Evidence> {
  const numbers = new Map<string, number>();
  for (const a of attempts) for (const dst of a.destinations) numbers.set(dst, Math.min(numbers.get(dst) ?? Infinity, a.since));
  const earliest = Math.min(...numbers.values());
  const evidence: Evidence = { byNumber: new Map(), incomplete: new Set(), newest: undefined, secondLook };
  const keep = (records: MessageRecord[]) => {
    for (const r of records) {
      const at = recordTime(r.message_time);
      if (at !== undefined && (evidence.newest === undefined || at > evidence.newest)) evidence.newest = at;
      // Digits only, as the numbers were sent: a record written `+14155550101` is still this number's
      // (an unmatched record would leave the row "absent", and it would be sent again).
      const to = typeof r.to_number === 'string' ? r.to_number.replace(/\D/g, '') : '';
      if (!numbers.has(to)) continue;
      const list = evidence.byNumber.get(to) ?? [];
      if (!list.some((k) => k.message_uuid === r.message_uuid)) evidence.byNumber.set(to, [...list, r]);
    }
  };
  const base = { message_direction: 'outbound', message_time__gte: formatPlivoTime(new Date(earliest - FILTER_SLACK_MS)), limit: PAGE };
  const first = await list(client, { ...base, offset: 0 }, options.signal);
  keep(first.objects);
  if (reachedStart(first, earliest, client)) return evidence;

  const windowPages = estimatePages(first, earliest, client);
  const byWindow = windowPages <= numbers.size;
  const requests = 1 + (byWindow ? windowPages : numbers.size);
  if (options.note) {
    const rate = client.listPacer.rate;
    const per = rate.windowMs === 60_000 ? 'minute' : `${rate.windowMs / 1000} s`;
    options.note(
      `Checking ${options.label} in Plivo's message list: about ${requests} list requests, ~${Math.ceil(client.listPacer.estimateMs(requests - 1) / 1000)} s at Plivo's ${rate.requests} per ${per}.`,
    );
  }
  if (byWindow) {
    for (let page = 1; ; page++) {
      if (page >= MAX_WINDOW_PAGES) {
        for (const dst of numbers.keys()) evidence.incomplete.add(dst);
        return evidence;
      }
      const next = await list(client, { ...base, offset: page * PAGE }, options.signal);
      keep(next.objects);
      if (reachedStart(next, earliest, client)) return evidence;
    }
  }
  for (const [dst, since] of numbers) {
    for (let page = 0; ; page++) {
      if (page >= MAX_NUMBER_PAGES) {
        evidence.incomplete.add(dst);
        break;
      }
      const next = await list(client, { ...base, to_number: dst, offset: page * PAGE }, options.signal);
      keep(next.objects);
      if (reachedStart(next, since, client)) break;
    }
  }
  return evidence;
}

async function list(client: PlivoClient, query: Record<string, string | number>, signal: AbortSignal | undefined): Promise<MessageList> {
  const page = await client.listMessages(query, signal);
  if (signal?.aborted) throw new NetworkError("The check of Plivo's message list was stopped before it finished.", 'unknown');
  if (!page || !Array.isArray(page.objects)) throw new NetworkError("Plivo's message list answered without a list of messages.", 'unknown');
  return page;
}

/** Newest first: a page that ends, or holds a record certainly older than `since`, is the last needed. */
function reachedStart(page: MessageList, since: number, client: PlivoClient): boolean {
  if (!page.meta?.next || page.objects.length < PAGE) return true;
  return page.objects.some((r) => {
    const at = recordTime(r.message_time);
    return at !== undefined && client.clock.place(at, since) === 'before';
  });
}

/** Further pages of the window back to `since`, from the first page's time span (or total_count). */
function estimatePages(first: MessageList, since: number, client: PlivoClient): number {
  const total = typeof first.meta?.total_count === 'number' ? Math.ceil(Math.max(0, first.meta.total_count - PAGE) / PAGE) : Infinity;
  const times = first.objects.map((r) => recordTime(r.message_time)).filter((t): t is number => t !== undefined);
  if (times.length < 2) return total;
  const newest = Math.max(...times);
  const oldest = Math.min(...times);
  const back = oldest - client.clock.earliestPlivo(since);
  if (!(back > 0)) return 1;
  const perMs = times.length / Math.max(1, newest - oldest);
  return Math.min(total, Math.ceil((back * perMs) / PAGE));
}
