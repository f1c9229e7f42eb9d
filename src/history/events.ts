/**
 * Delivery events written by `listen --out`: JSON Lines, one Plivo status callback per line
 * (`{"event": "status", "received_at", MessageUUID, Status, ErrorCode, Units, TotalAmount,
 * Sequence, …}`). A message has several; the final one is the highest Sequence (Plivo numbers
 * its callbacks in order), else the latest received.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';

/** What is known of one message: from its last event, or from its record (--fetch). */
export interface Known {
  state: string;
  /** The message's destination (to_number / To), when known. */
  to?: string;
  errorCode?: string;
  errorMessage?: string;
  units?: number;
  amount?: string;
  sequence?: number;
  at?: number;
}

export interface EventsRead {
  /** Status events of messages in the results. */
  used: number;
  /** Inbound messages, and status events of messages not in the results. */
  ignored: number;
  /** Lines that could not be read, with why (each reported as a warning). */
  skipped: number;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  return typeof value === 'number' ? String(value) : undefined;
}

function number(value: unknown): number | undefined {
  const t = text(value);
  return t !== undefined && /^\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

/** Whether `next` replaces `current` as the message's final word. */
function isLater(next: Known, current: Known): boolean {
  if (next.sequence !== undefined && current.sequence !== undefined && next.sequence !== current.sequence) return next.sequence > current.sequence;
  if (next.at !== undefined && current.at !== undefined && next.at !== current.at) return next.at > current.at;
  return true; // the later line of the file
}

/** One line's event as `[uuid, known]`, 'ignore' for an event that is not a status, or the reason it cannot be read. */
function parseEvent(line: string): [string, Known] | 'ignore' | { problem: string } {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return { problem: 'not JSON' };
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { problem: 'not a JSON object' };
  const e = event as Record<string, unknown>;
  if (e.event !== undefined && e.event !== 'status') return 'ignore';
  const uuid = text(e.MessageUUID);
  const state = text(e.Status)?.toLowerCase();
  if (uuid === undefined || state === undefined) return { problem: 'a status event without MessageUUID and Status' };
  const receivedAt = typeof e.received_at === 'string' ? Date.parse(e.received_at) : NaN;
  return [
    uuid.toLowerCase(),
    {
      state,
      to: text(e.To),
      errorCode: text(e.ErrorCode),
      units: number(e.Units),
      amount: text(e.TotalAmount),
      sequence: number(e.Sequence),
      at: Number.isNaN(receivedAt) ? undefined : receivedAt,
    },
  ];
}

/**
 * Folds every status event of the messages in `known` (keyed by uuid; undefined = nothing yet)
 * into it. Lines that cannot be read are skipped and told to `warn` with their number.
 */
export async function readEvents(path: string, known: Map<string, Known | undefined>, counts: EventsRead, warn: (line: string) => void): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      const parsed = parseEvent(line);
      if (parsed === 'ignore') {
        counts.ignored++;
        continue;
      }
      if (!Array.isArray(parsed)) {
        counts.skipped++;
        warn(`${basename(path)} line ${n}: ${parsed.problem}; skipped.`);
        continue;
      }
      const [uuid, next] = parsed;
      if (!known.has(uuid)) {
        counts.ignored++;
        continue;
      }
      counts.used++;
      const current = known.get(uuid);
      if (current === undefined || isLater(next, current)) known.set(uuid, next);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
