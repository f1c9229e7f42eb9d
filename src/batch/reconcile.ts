/**
 * Reconciling rows whose outcome is unknown with Plivo's message list, before a resume sends
 * anything new.
 */
import type { Attempted } from '../transport/evidence.js';
import { lookUp } from '../transport/lookup.js';
import type { CheckItem } from './runner.js';
import type { Resolution, SendContext } from './sender.js';

/**
 * Looks every unknown row up at once (transport/lookup.ts: a few paced list queries cover many
 * rows, matched locally). A row is found when one record per destination can only be its
 * message (evidence.ts); found rows are journalled `sent` (with `found: true`) right away.
 * `absent` (nothing queued, the list caught up) lets the send pass send the row; every doubt
 * is an `error` resolution, so the row stays `unknown` and is never sent blindly.
 */
export async function resolveUnknowns(items: CheckItem[], ctx: SendContext): Promise<Map<number, Resolution>> {
  const resolutions = new Map<number, Resolution>();
  // Messages of rows the journal records as sent are theirs, whatever their time. Keyed by single
  // number: a row to A<B and a row to A both have messages in A's list.
  const sentTo = ctx.index?.uuidsSentTo(items.flatMap((item) => item.destinations)) ?? new Map<string, Set<string>>();
  const none = new Set<string>();
  const abort = new AbortController();
  const off = ctx.halt.onStop(() => abort.abort());
  // The rows' requests, if queued, were queued before this resume started looking.
  const now = Date.now();
  try {
    const verdicts = await lookUp(
      ctx.client,
      items.map((item) => attemptOf(item, now, ctx.index?.attemptOnPlivoClock(item.row))),
      {
        settleMs: ctx.settleMs,
        exclude: (dst) => sentTo.get(dst) ?? none,
        note: ctx.note,
        label: items.length === 1 ? '1 unknown row' : `${items.length} unknown rows`,
        signal: abort.signal,
      },
    );
    for (const item of items) {
      const verdict = verdicts.get(item.row);
      if (verdict?.kind === 'found') {
        await ctx.journal?.write({ t: 'sent', row: item.row, uuids: verdict.uuids, attempts: 1, found: true });
        resolutions.set(item.row, { kind: 'found', uuids: verdict.uuids });
      } else if (verdict?.kind === 'absent') {
        resolutions.set(item.row, { kind: 'absent' });
      } else {
        const why = verdict?.kind === 'unknown' ? verdict.reason : 'the check did not finish';
        resolutions.set(item.row, { kind: 'error', error: `Plivo's message list does not settle whether it was queued: ${why}` });
      }
    }
  } catch (error) {
    const why = `could not check Plivo's message list: ${error instanceof Error ? error.message : String(error)}`;
    for (const item of items) if (!resolutions.has(item.row)) resolutions.set(item.row, { kind: 'error', error: why });
  } finally {
    off();
  }
  return resolutions;
}

function attemptOf(item: CheckItem, now: number, sincePlivo: Attempted['sincePlivo']): Attempted {
  const body = item.message.body;
  return {
    key: item.row,
    destinations: item.destinations,
    since: item.since.getTime(),
    sincePlivo,
    latestQueue: now,
    type: body.type,
    src: body.src,
    powerpackUuid: body.powerpack_uuid,
    units: body.type === 'sms' ? item.message.count?.segments : undefined,
  };
}
