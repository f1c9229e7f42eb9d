/**
 * Reconciling rows whose outcome is unknown with Plivo's message list, before a resume sends
 * anything new.
 */
import type { MessageRecord } from '../transport/client.js';
import { parsePlivoTime } from '../transport/client.js';
import type { CheckItem } from './runner.js';
import type { SendContext } from './sender.js';

export type Resolution = { kind: 'found'; uuids: string[] } | { kind: 'absent' } | { kind: 'error'; error: string };

/**
 * Looks each unknown row up in Plivo's message list, `concurrency` at a time, through the rate
 * limiter (lookups are API requests too). A row is found when a message to one of its
 * destinations was queued since its journalled attempt time and is not already another journalled
 * row's message; found rows are journalled `sent` (with `found: true`) right away.
 */
export async function resolveUnknowns(items: CheckItem[], ctx: SendContext, concurrency: number): Promise<Map<number, Resolution>> {
  const resolutions = new Map<number, Resolution>();
  const claimed = new Set<string>();
  // Keyed by single number: a row to A<B and a row to A both have messages in A's list.
  const sentTo = ctx.index?.uuidsSentTo(items.flatMap((item) => item.destinations)) ?? new Map<string, Set<string>>();
  const none = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !ctx.halt.stopped) {
      const item = items[next++]!;
      try {
        const uuids: string[] = [];
        for (const dst of item.destinations) {
          const exclude = sentTo.get(dst) ?? none;
          // Every page of the lookup is a request under the rate limit.
          const records = await ctx.client.findMessagesSince(dst, item.since, { src: item.src, type: item.type, beforeRequest: () => ctx.limiter.acquire() });
          const match = oldest(records.filter((r) => !exclude.has(r.message_uuid) && !claimed.has(r.message_uuid)));
          if (match) uuids.push(match.message_uuid);
        }
        if (uuids.length === 0) {
          resolutions.set(item.row, { kind: 'absent' });
          continue;
        }
        for (const uuid of uuids) claimed.add(uuid);
        await ctx.journal?.write({ t: 'sent', row: item.row, uuids, attempts: 1, found: true });
        resolutions.set(item.row, { kind: 'found', uuids });
      } catch (error) {
        resolutions.set(item.row, { kind: 'error', error: `could not check Plivo's message list: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return resolutions;
}

/** One message per destination and request: of several candidates, the earliest attempt's. */
function oldest(records: MessageRecord[]): MessageRecord | undefined {
  let best: MessageRecord | undefined;
  let bestAt = Infinity;
  for (const record of records) {
    const at = parsePlivoTime(record.message_time)?.getTime() ?? Infinity;
    if (best === undefined || at < bestAt) {
      best = record;
      bestAt = at;
    }
  }
  return best;
}

