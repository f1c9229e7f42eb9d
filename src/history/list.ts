/**
 * Reading Plivo's message list to its end: pages of 20 (the most the endpoint gives), newest
 * first, every request paced by the client's ListPacer under the endpoint's 20 requests a minute.
 */
import type { MessageRecord, PlivoClient } from '../transport/client.js';

/** The most records one page of Plivo's list holds. */
export const PAGE_SIZE = 20;

export interface ListState {
  /** Pages read so far. */
  pages: number;
  /** Records handed out so far. */
  records: number;
  /** What Plivo's `meta.total_count` says matches, once the first page is in. */
  total: number | undefined;
  /** Records this run will read in all: the total, capped by --limit. */
  expected: number | undefined;
  /** Milliseconds the remaining pages take at the list's pace. */
  remainingMs: number | undefined;
}

export interface ReadOptions {
  /** Most records in all (--limit). */
  limit?: number;
  signal?: AbortSignal;
  /** After each page, before its records are handed out. */
  onPage?: (state: ListState) => void;
}

/**
 * Yields the records page by page. The state is live: after a failure it says how far the read
 * got. A record seen twice (a page boundary that moved while paging) is handed out once.
 */
export async function* readMessageList(
  client: PlivoClient,
  filters: Record<string, string>,
  state: ListState,
  options: ReadOptions = {},
): AsyncGenerator<MessageRecord[]> {
  const limit = options.limit ?? Infinity;
  const seen = new Set<string>();
  let offset = 0;
  while (state.records < limit && !options.signal?.aborted) {
    const size = Math.min(PAGE_SIZE, limit - state.records);
    const page = await client.listMessages({ ...filters, limit: size, offset }, options.signal);
    state.pages++;
    const objects = Array.isArray(page.objects) ? page.objects : [];
    offset += objects.length;
    const total = page.meta?.total_count;
    if (typeof total === 'number') {
      state.total = total;
      state.expected = Math.min(total, limit);
    }
    const fresh = objects.filter((r) => !seen.has(r.message_uuid)).slice(0, limit - state.records);
    for (const record of fresh) seen.add(record.message_uuid);
    state.records += fresh.length;
    const last = objects.length < size || page.meta?.next === null || page.meta?.next === undefined || (state.total !== undefined && offset >= state.total);
    const left = last ? 0 : Math.ceil(((state.expected ?? state.records) - state.records) / PAGE_SIZE);
    state.remainingMs = client.listPacer.estimateMs(left);
    options.onPage?.(state);
    if (fresh.length > 0) yield fresh;
    if (last) return;
  }
}
