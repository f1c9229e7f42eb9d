/**
 * The sandbox's message detail records (Plivo's "Message object" documentation): what `GET …/Message/{uuid}/`
 * returns, and the filtering and paging of `GET …/Message/`.
 */
import type { LogValue, MessageType } from './validate.js';

/** `received`: an inbound message (injected with the sandbox's `Sandbox/Inbound/` endpoint). */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'received';

/** A message record exactly as the API returns it (snake_case JSON). */
export interface MessageRecord {
  message_uuid: string;
  message_state: MessageState;
  message_type: MessageType;
  message_direction: 'outbound' | 'inbound';
  from_number: string;
  to_number: string;
  units: number;
  total_rate: string;
  total_amount: string;
  carrier_fees: string;
  error_code: string;
  error_message: string;
  message_time: string;
  message_sent_time: string | null;
  message_updated_time: string;
  powerpack_id: string;
  log: LogValue;
  resource_uri: string;
  requester_ip: string;
  destination_country_iso2: string;
  dlt_entity_id?: string;
  dlt_template_id?: string;
  dlt_template_category?: string;
  conversation_id?: string;
  conversation_origin?: string;
  conversation_expiry_time?: string;
}

/** `2024-08-21 18:28:49.244057` (UTC): the callbacks' time format. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-08-21T18:28:49.244Z
  // JavaScript clocks stop at milliseconds; Plivo prints microseconds.
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** `2024-08-21 18:28:49.244057+00:00`: the records' time format. */
export function formatRecordTime(ms: number): string {
  return `${formatTime(ms)}+00:00`;
}

/** Parses a list filter time (`2024-08-21 18:28`, `…:49`, `…:49.244057`, optional `+00:00`) as UTC. */
export function parseFilterTime(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(?:Z|\+00:?00)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(6, '0').slice(0, 3)));
  return Number.isNaN(ms) ? undefined : ms;
}

interface Entry {
  record: MessageRecord;
  createdAt: number;
  seq: number;
}

export interface ListQuery {
  limit: number;
  offset: number;
  equals: Partial<
    Record<'to_number' | 'from_number' | 'message_state' | 'message_direction' | 'message_type' | 'error_code' | 'destination_country_iso2', string>
  >;
  time: Partial<Record<'gt' | 'gte' | 'lt' | 'lte', number>>;
}

export const LIST_FILTERS = [
  'to_number',
  'from_number',
  'message_state',
  'message_direction',
  'message_type',
  'error_code',
  'destination_country_iso2',
] as const;

export class MessageStore {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;

  add(record: MessageRecord, createdAt: number): void {
    this.entries.set(record.message_uuid, { record, createdAt, seq: this.seq++ });
  }

  get(uuid: string): MessageRecord | undefined {
    return this.entries.get(uuid)?.record;
  }

  update(uuid: string, changes: Partial<MessageRecord>): MessageRecord | undefined {
    const entry = this.entries.get(uuid);
    if (!entry) return undefined;
    entry.record = { ...entry.record, ...changes };
    return entry.record;
  }

  /** Every record, oldest first (copies). */
  all(): MessageRecord[] {
    return [...this.entries.values()].map((e) => ({ ...e.record }));
  }

  /** Matching records newest first, as Plivo lists them, with the total before paging. */
  list(query: ListQuery): { total: number; objects: MessageRecord[] } {
    const matches = [...this.entries.values()].filter((e) => matchesQuery(e, query)).sort((a, b) => b.seq - a.seq);
    return {
      total: matches.length,
      objects: matches.slice(query.offset, query.offset + query.limit).map((e) => ({ ...e.record })),
    };
  }
}

function matchesQuery(entry: Entry, query: ListQuery): boolean {
  for (const field of LIST_FILTERS) {
    const wanted = query.equals[field];
    if (wanted !== undefined && String(entry.record[field]) !== wanted) return false;
  }
  const t = entry.createdAt;
  const { gt, gte, lt, lte } = query.time;
  if (gt !== undefined && !(t > gt)) return false;
  if (gte !== undefined && !(t >= gte)) return false;
  if (lt !== undefined && !(t < lt)) return false;
  if (lte !== undefined && !(t <= lte)) return false;
  return true;
}
