/**
 * A single send whose answer may be lost: one POST, and when its outcome is unknown, a check of
 * Plivo's message list before anything else happens.
 */
import { NetworkError } from '../errors.js';
import type { BuiltMessage } from '../core/message.js';
import type { PlivoClient, PlivoResponse } from './client.js';
import type { Attempted, Verdict } from './evidence.js';
import { lookUp } from './lookup.js';

export interface RecoverOptions {
  /** How long a queued message may take to show in the list (default: the request timeout, at most 10 s). */
  settleMs?: number;
  /** Progress lines (the check may wait a settle time). */
  note?: (line: string) => void;
}

const SINGLE_SETTLE_MS = 10_000;

/**
 * Sends once. When the outcome is unknown (timeout, reset, 5xx, an answer without uuids),
 * Plivo's message list is checked: a message that can only be this one is reported as sent
 * (`recovered`); nothing is ever re-sent.
 */
export async function sendChecked(
  client: PlivoClient,
  message: BuiltMessage,
  src: string | undefined,
  options: RecoverOptions = {},
): Promise<{ response: PlivoResponse; recovered: boolean }> {
  const since = Date.now();
  try {
    const { response } = await client.sendMessage(message.body);
    return { response, recovered: false };
  } catch (error) {
    if (!(error instanceof NetworkError) || error.outcome !== 'unknown') throw error;
    // Bounded lower than a batch's (30 s): someone is waiting for this one answer.
    const settleMs = options.settleMs ?? Math.min(client.timeoutMs, SINGLE_SETTLE_MS);
    // Plivo may still be working on a request the client gave up on (a timeout, a reset, a 502 or
    // 504 from a gateway): it may be queued up to the settle time after the attempt ended, so only
    // a record later than that shows the list has caught up.
    const attempt = attemptOf(message, src, since, Date.now() + settleMs);
    let verdict: Verdict;
    try {
      verdict = (await lookUp(client, [attempt], { settleMs, note: options.note, label: 'the message' })).get(0)!;
    } catch (lookupError) {
      const why = lookupError instanceof Error ? lookupError.message : String(lookupError);
      throw new NetworkError(
        error.message,
        'unknown',
        `${error.hint} Looking it up in Plivo's message list failed too (${why}): ${whatToCheck(attempt, [])}`,
        error.details,
      );
    }
    return settle(error, verdict, attempt);
  }
}

/** The attempt as the lookup sees it: sent at `since`, queued by `latestQueue` if at all (local ms). */
function attemptOf(message: BuiltMessage, src: string | undefined, since: number, latestQueue: number): Attempted {
  const body = message.body;
  return {
    key: 0,
    destinations: message.destinations,
    since,
    latestQueue,
    type: body.type,
    src: body.src ?? src,
    powerpackUuid: body.powerpack_uuid,
    units: body.type === 'sms' ? message.count?.segments : undefined,
  };
}

function settle(error: NetworkError, verdict: Verdict, attempt: Attempted): { response: PlivoResponse; recovered: boolean } {
  switch (verdict.kind) {
    case 'found':
      // Recovered only when every destination shows its message; the answer is marked as not Plivo's own.
      if (verdict.missing.length === 0) return { response: { message_uuid: verdict.uuids, recovered: true }, recovered: true };
      throw new NetworkError(
        error.message,
        'unknown',
        `Plivo's message list shows this message queued to ${attempt.destinations.filter((d) => !verdict.missing.includes(d)).join(', ')} (${verdict.uuids.join(', ')}) but not to ${verdict.missing.join(', ')}: do not send it again to the first; ${verdict.missing.length === 1 ? 'that number was' : 'those numbers were'} probably refused as invalid.`,
        { ...error.details, found: verdict.uuids, missing: verdict.missing },
      );
    case 'absent':
      throw new NetworkError(
        `${error.message}. Plivo's message list, checked until it had caught up, shows no such message: it was not queued.`,
        'failed',
        'Nothing was sent: it is safe to send it again.',
        error.details,
      );
    case 'pending':
    case 'unknown': {
      const seen = verdict.kind === 'unknown' ? verdict.seen : [];
      const why = verdict.kind === 'unknown' ? ` (${verdict.reason})` : '';
      throw new NetworkError(
        error.message,
        'unknown',
        `The message may or may not have been queued: Plivo's message list does not settle it${why}. ${whatToCheck(attempt, seen)}`,
        { ...error.details, ...(seen.length > 0 ? { seen } : {}) },
      );
    }
  }
}

function whatToCheck(attempt: Attempted, seen: string[]): string {
  const window = `${new Date(attempt.since).toISOString()} and ${new Date(attempt.latestQueue).toISOString()}`;
  const uuids = seen.length > 0 ? `; the list shows ${seen.join(', ')}` : '';
  return `Before sending again, check the Plivo console (Messaging > Logs) for a message to ${attempt.destinations.join(', ')} queued between ${window} (this machine's clock)${uuids}.`;
}
