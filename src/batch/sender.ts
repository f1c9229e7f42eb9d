/**
 * Sending a batch: each row once, through the rate limiter and the concurrency bound, journalled
 * before and after its request, with results reordered into input order. Only this module (and
 * flows/batch.ts, which builds its context) touches the network.
 */
import type { BuiltMessage } from '../core/message.js';
import type { PlivoClient, Attempt } from '../transport/client.js';
import { describeUnknown } from '../transport/client.js';
import { describeProblems, prepareRow, unitsOf, type PreparedRow } from './row.js';
import { bodyHash } from './hash.js';
import { RowState, type JournalIndex, type JournalRecord, type JournalWriter } from './journal.js';
import { ReorderBuffer, type RowResult } from './results.js';
import type { Clock, Limiter, Semaphore, StopSignal } from './limiter.js';
import { NumberClaims, type Blocker, type Turn } from './number-claims.js';
import { openPreparedRows, openRows, type BatchInput } from './runner.js';

/** How far the reorder buffer may run ahead of the oldest unfinished row. */
export const MAX_AHEAD = 10_000;

export interface SendContext {
  client: PlivoClient;
  limiter: Limiter;
  /** Rows between their in-flight record and their outcome record: twice `requests`. */
  slots: Semaphore;
  /** Requests on the network: --concurrency. */
  requests: Semaphore;
  clock: Clock;
  /**
   * Milliseconds before retry `attempt + 1` of a connection that never opened (a 429 waits for
   * the limiter's pause instead, with every other request).
   */
  backoff: (attempt: number) => number;
  journal: JournalWriter | undefined;
  index: JournalIndex | undefined;
  /** Fired on Ctrl-C and on a batch-stopping error: no new requests after it. */
  halt: StopSignal;
  /** Fired by a second Ctrl-C: stop waiting for requests in flight. */
  hardStop: StopSignal;
  /** Milliseconds to wait for requests in flight after the first Ctrl-C. */
  graceMs: number;
  /** How long a message may take to show in Plivo's list after its request (the `settle` setting). */
  settleMs: number;
  /** A line for the user on stderr (progress of long lookups). */
  note?: (line: string) => void;
  /**
   * The `retries` setting + 1. Tries per row for a connection that never opened; for 429, the
   * pauses in a row that no request gets through before the batch stops (see limiter.ts).
   */
  maxAttempts: number;
  emit: (result: RowResult) => void;
  /** Awaited between rows: output backpressure. */
  ready: () => Promise<void> | undefined;
  onRowDone: () => void;
}

type Abort = { kind: 'auth'; message: string } | { kind: 'journal'; message: string } | { kind: 'rate-limited'; message: string };

export interface SendPassResult {
  /** Set when a Ctrl-C stopped the pass. */
  interrupted: boolean;
  /** Set when an error made every further request pointless or unsafe. */
  abort: Abort | undefined;
  /** Rows reached before the pass stopped (after a Ctrl-C the rest are reported not reached). */
  rows: number;
}

/** What a resume's lookup made of a row whose outcome was unknown (reconcile.ts). */
export type Resolution = { kind: 'found'; uuids: string[] } | { kind: 'absent' } | { kind: 'error'; error: string };

/**
 * Sends every row not settled before, reading the CSV in order. A row takes its turn on each of
 * its numbers first (number-claims.ts): rows to one number go one after another, and a row
 * waiting for its turn holds no slot, so rows to other numbers go on meanwhile.
 */
export async function runSendPass(
  batch: BatchInput,
  ctx: SendContext,
  resolutions: Map<number, Resolution>,
  isInterrupted: () => boolean,
): Promise<SendPassResult> {
  // Plivo's clock, read before the first row: each row's in-flight record then says when it went
  // out on Plivo's clock too (see journal.ts), which a resume compares record times with.
  if (ctx.journal) await ctx.client.readClock?.();
  const claims = new NumberClaims();
  await blockUnresolved(batch, ctx.index, resolutions, claims);
  const rows = await openPreparedRows(batch);
  const buffer = new ReorderBuffer(ctx.emit);
  const tasks = new Set<Promise<void>>();
  const state: { abort: Abort | undefined } = { abort: undefined };
  const stopBatch = (abort: Abort): void => {
    state.abort ??= abort;
    ctx.halt.stop();
  };
  const stopReason = (): StopReason =>
    state.abort
      ? { why: state.abort.message, interrupted: false }
      : isInterrupted()
        ? { why: 'the batch was interrupted before this row', interrupted: true }
        : { why: 'the batch stopped before this row was sent', interrupted: false };
  let reached = 0;
  try {
    let row = 1;
    /** A row read, but not taken, when Ctrl-C came. */
    let untaken: PreparedRow | undefined;
    for (; ; row++) {
      if (isInterrupted()) break;
      const prepared = await rows.next();
      if (prepared === undefined) break;
      const early = settledResult(prepared, ctx.index, resolutions);
      const blocker = prepared.ok ? claims.blockerOf(prepared.message.destinations) : undefined;
      if (early || !prepared.ok) buffer.put(early!);
      else if (state.abort || ctx.halt.stopped) {
        if (isInterrupted()) {
          untaken = prepared;
          break;
        }
        buffer.put(notAttempted(prepared, state.abort));
      } else if (blocker) buffer.put(blockedResult(prepared, blocker, ctx.journal !== undefined));
      else {
        await ctx.halt.race(buffer.waitForRoom(row, MAX_AHEAD));
        const turn = claims.enqueue(row, prepared.message.destinations);
        const gotSlot = (await ctx.halt.race(ctx.slots.acquire().then(() => true))) === true;
        if (!gotSlot || ctx.halt.stopped) {
          turn.release();
          if (gotSlot) ctx.slots.release();
          if (isInterrupted()) {
            untaken = prepared;
            break;
          }
          buffer.put(notAttempted(prepared, state.abort));
        } else {
          // The slot bounds rows between their in-flight and outcome records (twice the requests
          // on the network, see `requests`): freed as soon as the answer is in, while the outcome
          // record is still being made durable (the result waits for that).
          const slot = new SlotHold(ctx.slots);
          const progress: RowProgress = { attempts: 0, journalled: false };
          const task: Promise<void> = sendInTurn(prepared, turn, slot, claims, ctx, stopBatch, stopReason, progress)
            // A bug must not lose the row (and, through the reorder buffer, every row after it).
            .catch((error: unknown) => unexpectedFailure(prepared.row, prepared.message, error, progress, ctx, stopBatch))
            .then((result) => {
              // An unknown outcome keeps the row's numbers for the rest of the run.
              if (result.status === 'unknown') claims.block(prepared.row, prepared.message.destinations);
              turn.release();
              buffer.put(result);
              ctx.onRowDone();
            })
            .finally(() => {
              turn.release();
              slot.release();
              tasks.delete(task);
            });
          tasks.add(task);
        }
      }
      reached = row;
      const wait = ctx.ready();
      if (wait) await wait;
    }

    if (isInterrupted()) {
      if (tasks.size > 0) {
        // Requests in flight get `graceMs` to finish; after that (or a second Ctrl-C) the sockets
        // are destroyed, and each of those rows ends `unknown` (journalled so, resumable by lookup).
        const all = Promise.allSettled([...tasks]);
        await Promise.race([all, ctx.clock.sleep(ctx.graceMs, ctx.hardStop)]);
        ctx.client.close();
      }
      await Promise.allSettled([...tasks]);
      // `--results` has one line per input row: the rows not reached are read to the end of the
      // CSV and reported (not journalled: they were never attempted, and a resume sends a row
      // without records as new).
      if (untaken) buffer.put(notReached(untaken, ctx.index, resolutions, state.abort));
      for (row = untaken ? untaken.row + 1 : row; ; row++) {
        const prepared = await rows.next();
        if (prepared === undefined) break;
        buffer.put(notReached(prepared, ctx.index, resolutions, state.abort));
        const wait = ctx.ready();
        if (wait) await wait;
      }
    }
  } finally {
    rows.close();
  }
  // Every row was taken before a Ctrl-C: the requests still out get the same grace (and a second
  // Ctrl-C ends it) as when the signal comes while rows are being taken.
  const all = Promise.allSettled([...tasks]);
  if (tasks.size > 0 && (await ctx.halt.race(all)) === undefined && isInterrupted()) {
    await Promise.race([all, ctx.clock.sleep(ctx.graceMs, ctx.hardStop)]);
    ctx.client.close();
  }
  await all;
  return { interrupted: isInterrupted(), abort: state.abort, rows: reached };
}

interface StopReason {
  why: string;
  interrupted: boolean;
}

/** A row's hold on one of `ctx.slots`; `release` is idempotent. */
class SlotHold {
  private held = true;

  constructor(private readonly slots: Semaphore) {}

  release = (): void => {
    if (this.held) this.slots.release();
    this.held = false;
  };

  /** Takes a slot again; false (and none held) when `halt` fires first. */
  async acquire(halt: StopSignal): Promise<boolean> {
    const acquiring = this.slots.acquire();
    if ((await halt.race(acquiring.then(() => true))) === true) {
      this.held = true;
      return true;
    }
    void acquiring.then(() => this.slots.release());
    return false;
  }
}

/**
 * Waits for the row's turn on its numbers (without its slot, so that the rows behind it to other
 * numbers are not held up), then sends it, unless an earlier row's unknown outcome now blocks
 * one of them or the batch stopped meanwhile.
 */
async function sendInTurn(
  p: Extract<PreparedRow, { ok: true }>,
  turn: Turn,
  slot: SlotHold,
  claims: NumberClaims,
  ctx: SendContext,
  stopBatch: (abort: Abort) => void,
  stopReason: () => StopReason,
  progress: RowProgress,
): Promise<RowResult> {
  if (!turn.ready) {
    slot.release();
    await ctx.halt.race(turn.whenReady());
    if (ctx.halt.stopped) return notStarted(p, stopReason());
    if (!(await slot.acquire(ctx.halt)) || ctx.halt.stopped) return notStarted(p, stopReason());
  }
  // Asked again right before the row is journalled, whether or not it waited its turn: an earlier
  // row to one of its numbers may have ended unknown while this one waited for room or a slot.
  const blocker = claims.blockerOf(p.message.destinations);
  if (blocker) return blockedResult(p, blocker, ctx.journal !== undefined);
  return sendRow(p.row, p.message, ctx, stopBatch, stopReason, slot.release, progress);
}

/** A row the batch stopped for before it was journalled or requested. */
function notStarted(p: Extract<PreparedRow, { ok: true }>, { why, interrupted }: StopReason): RowResult {
  const result: RowResult = { ...baseResult(p.row, p.message), status: 'failed', attempts: 0, error: `not sent: ${why}` };
  if (interrupted) result.notReached = true;
  return result;
}

/** A row not sent because an unknown outcome blocks one of its numbers (see number-claims.ts). */
function blockedResult(p: Extract<PreparedRow, { ok: true }>, blocker: Blocker, journalled: boolean): RowResult {
  const which = blocker.earlier
    ? `row ${blocker.row} to ${blocker.number} has an unknown outcome from an earlier run`
    : `an earlier row (row ${blocker.row}) to ${blocker.number} has an unknown outcome`;
  const next = !journalled
    ? "check it in the Plivo console's message logs before sending this row again"
    : blocker.earlier
      ? 'resume again to check it first, then these are sent'
      : 'resume with --journal to check it first, then these are sent';
  return { ...baseResult(p.row, p.message), status: 'failed', attempts: 0, error: `not sent: ${which}; ${next}` };
}

/**
 * Blocks the numbers of rows an earlier run left unresolved (in flight or unknown, and not found
 * or absent in this run's lookup): a message sent to one of them now would fall inside that row's
 * lookup window. Their numbers are not in the journal, so the CSV is read up to the last such row
 * (only when there is one).
 */
async function blockUnresolved(batch: BatchInput, index: JournalIndex | undefined, resolutions: Map<number, Resolution>, claims: NumberClaims): Promise<void> {
  if (!index) return;
  const unresolved = new Set<number>();
  let last = 0;
  for (let row = 1; row <= index.maxRow; row++) {
    const state = index.stateOf(row);
    const kind = resolutions.get(row)?.kind;
    if ((state === RowState.inflight || state === RowState.unknown) && kind !== 'found' && kind !== 'absent') {
      unresolved.add(row);
      last = row;
    }
  }
  if (last === 0) return;
  const { csv, spec } = await openRows(batch, false);
  try {
    for (let row = 1; row <= last; row++) {
      const cells = await csv.next();
      if (cells === undefined) break;
      if (!unresolved.has(row)) continue;
      const prepared = prepareRow(spec, row, cells);
      if (prepared.ok) claims.block(row, prepared.message.destinations, true);
    }
  } finally {
    csv.close();
  }
}

/** A row the pass did not reach before a Ctrl-C: its standing from earlier runs, else not sent. */
function notReached(p: PreparedRow, index: JournalIndex | undefined, resolutions: Map<number, Resolution>, abort: Abort | undefined): RowResult {
  const settled = settledResult(p, index, resolutions);
  if (settled || !p.ok) return settled!;
  const why = abort ? abort.message : 'the batch was interrupted before this row';
  return { ...baseResult(p.row, p.message), status: 'failed', attempts: 0, error: `not sent: ${why}`, notReached: true };
}

/** A row whose result is known without sending: invalid, sent earlier, or resolved by lookup. */
function settledResult(p: PreparedRow, index: JournalIndex | undefined, resolutions: Map<number, Resolution>): RowResult | undefined {
  if (!p.ok) {
    // Suppressed since its earlier request: sent stays sent, a request still unresolved stays
    // unknown; only a row that certainly never went out is reported suppressed (and not sent).
    const earlier = p.unsuppressed && index ? settledResult({ ok: true, row: p.row, message: p.unsuppressed }, index, resolutions) : undefined;
    return (
      earlier ?? { row: p.row, dst: p.dst, status: p.suppressed ? 'suppressed' : 'invalid', segments: null, attempts: 0, error: describeProblems(p.problems) }
    );
  }
  const base = baseResult(p.row, p.message);
  const resolution = resolutions.get(p.row);
  if (resolution?.kind === 'found') return { ...base, status: 'sent', message_uuid: resolution.uuids, attempts: 1 };
  if (resolution?.kind === 'error') return { ...base, status: 'unknown', attempts: 0, error: `${resolution.error}; resume again to retry the check` };
  const state = index?.stateOf(p.row) ?? RowState.none;
  if (state === RowState.sent) {
    const sent = index!.readSent(p.row);
    return { ...base, status: 'sent', message_uuid: sent.uuids, attempts: sent.attempts };
  }
  // Never send a row whose earlier request may have been queued without looking it up first.
  if ((state === RowState.inflight || state === RowState.unknown) && resolution?.kind !== 'absent') {
    return {
      ...base,
      status: 'unknown',
      attempts: 0,
      error: 'an earlier request may have been queued and was not checked yet (the batch stopped); resume again',
    };
  }
  return undefined;
}

function baseResult(row: number, message: BuiltMessage): Omit<RowResult, 'status' | 'attempts'> {
  return { row, dst: message.body.dst, segments: message.count?.segments ?? 0, units: unitsOf(message) };
}

function notAttempted(p: Extract<PreparedRow, { ok: true }>, abort: Abort | undefined): RowResult {
  const why = abort ? abort.message : 'the batch stopped';
  return { ...baseResult(p.row, p.message), status: 'failed', attempts: 0, error: `not sent: ${why}` };
}

/**
 * Sends one row: journal `inflight` (durable) → wait for the rate limiter → one attempt → journal
 * the outcome (durable) → result. Only 429 and connections that never opened are retried: a
 * connection up to `maxAttempts` tries, a 429 as long as the batch makes progress (limiter.ts).
 */
async function sendRow(
  row: number,
  message: BuiltMessage,
  ctx: SendContext,
  stopBatch: (abort: Abort) => void,
  stopReason: () => StopReason,
  releaseSlot: () => void,
  progress: RowProgress,
): Promise<RowResult> {
  // releaseSlot is idempotent; the caller calls it again when the row is done, whatever happened.
  const body = message.body;
  const base = baseResult(row, message);
  let attempts = 0;
  /** Tries whose connection never opened. */
  let unreachable = 0;

  // A result is reported only once its outcome record is durable (journal.ts). When that record
  // cannot be written, the journal still shows the request in flight: the row is reported
  // unknown (a resume looks it up), and the batch stops.
  const finish = async (result: RowResult, record: JournalRecord): Promise<RowResult> => {
    releaseSlot();
    try {
      await ctx.journal?.write(record);
    } catch (error) {
      const why = `the journal could not be written (${describeError(error)})`;
      stopBatch({ kind: 'journal', message: why });
      return outcomeNotJournalled(result, why);
    }
    return result;
  };
  const notSent = (why: string): Promise<RowResult> => {
    const error = `not sent: ${why}`;
    return finish({ ...base, status: 'failed', attempts, error }, { t: 'failed', row, error, attempts });
  };
  // Stopped while waiting for a request slot or the rate limiter. A row that a Ctrl-C caught
  // before its first request counts as not reached, like the rows after it (its in-flight record
  // still gets its `failed` outcome, so the journal stays consistent).
  const halted = (): Promise<RowResult> => {
    const { why, interrupted } = stopReason();
    if (attempts > 0 || !interrupted) return notSent(why);
    const error = `not sent: ${why}`;
    return finish({ ...base, status: 'failed', attempts, error, notReached: true }, { t: 'failed', row, error, attempts });
  };

  if (ctx.journal) {
    try {
      const clock = ctx.client.clock as PlivoClient['clock'] | undefined;
      const plivo: [number, number] | undefined = clock?.known ? [clock.lo, clock.hi] : undefined;
      await ctx.journal.write({ t: 'inflight', row, at: new Date().toISOString(), hash: bodyHash(body), dst: body.dst, ...(plivo ? { plivo } : {}) });
      progress.journalled = true;
    } catch (error) {
      const why = `the journal could not be written (${describeError(error)})`;
      stopBatch({ kind: 'journal', message: why });
      return { ...base, status: 'failed', attempts, error: `not sent: ${why}` };
    }
  }

  for (;;) {
    // A request slot (--concurrency) is held for the attempt alone, so the next rows' in-flight
    // records are made durable while earlier requests are on the network.
    const acquiring = ctx.requests.acquire();
    if ((await ctx.halt.race(acquiring.then(() => true))) !== true) {
      void acquiring.then(() => ctx.requests.release());
      return halted();
    }
    let attempt: Attempt;
    let epoch: number | undefined;
    try {
      epoch = await ctx.limiter.start();
      if (epoch === undefined) return halted();
      await journalResumed(ctx, epoch);
      attempts++;
      progress.attempts = attempts;
      attempt = await ctx.client.attemptSend(body);
    } finally {
      ctx.requests.release();
    }
    switch (attempt.kind) {
      case 'accepted': {
        ctx.limiter.onSuccess(epoch);
        const uuids = attempt.response.message_uuid ?? [];
        const result: RowResult = { ...base, status: 'sent', message_uuid: uuids, attempts };
        if (attempt.response.invalid_number && attempt.response.invalid_number.length > 0) {
          result.error = `Plivo did not send to invalid numbers: ${attempt.response.invalid_number.join(', ')}`;
        }
        return finish(result, { t: 'sent', row, uuids, attempts });
      }
      case 'rate-limited': {
        // Every request waits out the pause the limiter now holds; the row gives up only when
        // the whole batch does.
        const verdict = ctx.limiter.onRateLimited(epoch, attempt.retryAfterMs);
        if (verdict.paused && verdict.refusals >= ctx.maxAttempts) {
          const waited = verdict.refusals - 1;
          const why = waited === 0 ? 'the retries setting is 0' : `no request got through ${waited === 1 ? 'a pause' : `${waited} pauses in a row`}`;
          stopBatch({ kind: 'rate-limited', message: `Plivo kept rate limiting (429): ${why}` });
          return notSent(`Plivo is still rate limiting (429): ${attempt.message}; ${why}, after ${attempts} attempts`);
        }
        if (ctx.halt.stopped) return notSent('the batch stopped before this row was sent again');
        continue;
      }
      case 'not-sent': {
        unreachable++;
        const what = `could not reach Plivo: ${attempt.message}`;
        // A certificate problem does not go away by retrying.
        if (attempt.final) return notSent(what);
        if (unreachable >= ctx.maxAttempts) return notSent(`${what}, after ${attempts} attempts`);
        if (ctx.halt.stopped) return notSent('the batch stopped before this row was sent again');
        await ctx.clock.sleep(ctx.backoff(unreachable), ctx.halt);
        continue;
      }
      case 'rejected': {
        const error = `Plivo rejected the request (${attempt.status}): ${attempt.message}`;
        return finish({ ...base, status: 'failed', attempts, error }, { t: 'failed', row, error, attempts });
      }
      case 'auth': {
        const error = `Plivo rejected the credentials (401): ${attempt.message}`;
        stopBatch({ kind: 'auth', message: 'Plivo rejected the credentials (401)' });
        return finish({ ...base, status: 'failed', attempts, error }, { t: 'failed', row, error, attempts });
      }
      case 'unknown': {
        const what = describeUnknown(attempt);
        const check = ctx.journal ? '--resume with the journal looks it up' : "look for it in the Plivo console's message logs";
        const error = `${what}; it may have been queued, so it was not retried (check before re-sending: ${check})`;
        return finish({ ...base, status: 'unknown', attempts, error }, { t: 'unknown', row, error: what, attempts });
      }
    }
  }
}

/** Per send pass: the last pause after which the journal was touched, and that touch. */
const touched = new WeakMap<SendContext, { epoch: number; done: Promise<void> }>();

/**
 * The first request after a 429 pause (epoch = pauses so far) first marks the journal written
 * now, and the others wait for that: nothing is journalled during a pause, and a resume after a
 * kill -9 right after it must still wait out the requests that then went out (see `settle`).
 */
async function journalResumed(ctx: SendContext, epoch: number): Promise<void> {
  if (!ctx.journal || epoch === 0) return;
  let last = touched.get(ctx);
  if (last === undefined || last.epoch !== epoch) {
    last = { epoch, done: ctx.journal.touch().catch(() => undefined) };
    touched.set(ctx, last);
  }
  await last.done;
}

/** What `sendRow` has done so far, for `unexpectedFailure`. */
interface RowProgress {
  /** Requests started (each may have reached Plivo). */
  attempts: number;
  /** The row's `inflight` record is durable. */
  journalled: boolean;
}

/**
 * The result of a row whose outcome record could not be written: unknown whenever a request was
 * made (the journal shows it in flight, so a resume looks it up), with what Plivo answered.
 */
function outcomeNotJournalled(result: RowResult, why: string): RowResult {
  if (result.attempts === 0) return result; // no request was made: certainly not sent
  const { message_uuid: uuids, ...rest } = result;
  const answer =
    result.status === 'sent' ? `sent${uuids && uuids.length > 0 ? ` (message_uuid ${uuids.join(', ')})` : ''}` : `${result.status}: ${result.error ?? ''}`;
  return {
    ...rest,
    status: 'unknown',
    error: `${why} after the request was made, so its outcome is not recorded (Plivo's answer: ${answer}); a resume looks it up before re-sending`,
  };
}

/**
 * An error `sendRow` did not expect (a bug): once a request may have gone out the row is
 * `unknown`; before that it was certainly not sent. Journalled when its `inflight` record is.
 */
async function unexpectedFailure(
  row: number,
  message: BuiltMessage,
  error: unknown,
  progress: RowProgress,
  ctx: SendContext,
  stopBatch: (abort: Abort) => void,
): Promise<RowResult> {
  const base = baseResult(row, message);
  const what = `unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  const attempts = progress.attempts;
  const maybeSent = attempts > 0;
  const check = ctx.journal ? '--resume with the journal looks it up' : "look for it in the Plivo console's message logs";
  const result: RowResult = maybeSent
    ? { ...base, status: 'unknown', attempts, error: `${what}; the request may have been sent, so it was not retried (check before re-sending: ${check})` }
    : { ...base, status: 'failed', attempts, error: `not sent: ${what}` };
  if (!ctx.journal || !progress.journalled) return result;
  try {
    await ctx.journal.write(maybeSent ? { t: 'unknown', row, error: what, attempts } : { t: 'failed', row, error: result.error!, attempts });
  } catch (writeError) {
    const why = `the journal could not be written (${describeError(writeError)})`;
    stopBatch({ kind: 'journal', message: why });
    return maybeSent ? { ...result, error: `${result.error}; and ${why}` } : result;
  }
  return result;
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
