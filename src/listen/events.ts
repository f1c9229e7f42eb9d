/**
 * What `listen` records: one event per accepted callback, `{"event", "received_at", …every parameter
 * Plivo sent}` (`report --events` reads these lines), and the key that recognises Plivo's retries.
 */

/** One line of `listen --json` and of its `--out` file. */
export interface ListenEvent {
  event: 'status' | 'inbound';
  /** ISO 8601, UTC. */
  received_at: string;
  [param: string]: string;
}

/**
 * A status callback carries `Status`; Plivo's inbound message webhook carries `Text` (empty for
 * media only) and no `Status`. Parameters are kept as strings, unchanged; a key given twice keeps
 * its first value.
 */
export function toEvent(params: ReadonlyMap<string, readonly string[]>, receivedAt: Date): ListenEvent {
  const event: ListenEvent = { event: params.has('Status') ? 'status' : 'inbound', received_at: receivedAt.toISOString() };
  for (const [key, values] of params) {
    if (key === 'event' || key === 'received_at') continue;
    event[key] = values[0] ?? '';
  }
  return event;
}

/**
 * The same event delivered again (Plivo retries an answer that was slow, lost or not 2xx): the
 * message, its state and the state's sequence number; an inbound message by its uuid. Undefined when
 * the callback has no uuid (nothing to recognise it by: it is recorded).
 */
export function eventKey(event: Readonly<Record<string, unknown>>): string | undefined {
  const uuid = event.MessageUUID;
  if (typeof uuid !== 'string' || uuid === '') return undefined;
  if (event.event === 'inbound') return `inbound ${uuid}`;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return `status ${uuid} ${text(event.Status)} ${text(event.Sequence)}`;
}

/** Keys seen so far, the oldest forgotten past `limit` (Plivo's retries come within minutes). */
export class SeenEvents {
  private readonly keys = new Set<string>();
  constructor(private readonly limit = 100_000) {}

  /** Adds the key; false when it was already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.limit) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  forget(key: string): void {
    this.keys.delete(key);
  }
}
