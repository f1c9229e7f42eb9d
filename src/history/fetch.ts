/**
 * `report --fetch`: the record of each message that has no final state yet (`GET …/Message/{uuid}/`),
 * a few at a time and paced well within Plivo's API limit (300 requests per 5 s per account), so a
 * batch still sending on the same account is not pushed into 429s.
 */
import { ApiError, AuthError, CliError } from '../errors.js';
import type { PlivoClient } from '../transport/client.js';
import { ListPacer } from '../transport/pacer.js';
import type { Known } from './events.js';

/** Lookups per second, and in flight. */
export const FETCH_RATE = 20;
const WORKERS = 4;

export interface FetchOutcome {
  fetched: number;
  /** Plivo has no such message (404): another account, or a uuid from elsewhere. */
  notFound: number;
  /** What stopped the lookups before the end (the rest stay as they were). */
  failure: CliError | undefined;
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export async function fetchStates(
  client: PlivoClient,
  uuids: string[],
  known: Map<string, Known | undefined>,
  options: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<FetchOutcome> {
  const pacer = new ListPacer({ requests: FETCH_RATE, windowMs: 1000 });
  const outcome: FetchOutcome = { fetched: 0, notFound: 0, failure: undefined };
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < uuids.length && outcome.failure === undefined && !options.signal?.aborted) {
      const uuid = uuids[next++]!;
      await pacer.acquire(options.signal);
      if (options.signal?.aborted) return;
      try {
        const record = await client.getMessage(uuid);
        known.set(uuid, {
          state: String(record.message_state),
          to: typeof record.to_number === 'string' ? record.to_number : undefined,
          errorCode: record.error_code,
          errorMessage: record.error_message,
          units: numberOf(record.units),
          amount: typeof record.total_amount === 'string' ? record.total_amount : undefined,
        });
        outcome.fetched++;
      } catch (error) {
        if (error instanceof AuthError || !(error instanceof CliError)) throw error;
        if (error instanceof ApiError && error.status === 404) outcome.notFound++;
        else outcome.failure ??= error;
      }
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WORKERS, uuids.length) }, worker));
  return outcome;
}
