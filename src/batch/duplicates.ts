/**
 * Repeated messages in a batch: the same destinations and content. The plan counts them; with
 * --skip-duplicates each repeat is not sent. Each pass over the CSV builds its own index, row by
 * row in input order, so the plan pass, the send pass and a resume make the same decisions.
 */
import type { BuiltMessage } from '../core/message.js';
import { HashSet64, hash64 } from './hash.js';

export class DuplicateIndex {
  private readonly seen: HashSet64;
  private readonly h = new Uint32Array(2);

  constructor(maxEntries?: number) {
    this.seen = new HashSet64(maxEntries);
  }

  /**
   * The row that first had the same message, or 0 when `row` is the first (it is remembered).
   * Past the memory bound (`stoppedAt`) new messages are no longer remembered.
   */
  firstRowOf(message: BuiltMessage, row: number): number {
    const body = message.body;
    let key = `${body.dst}\u0000${body.text ?? ''}`;
    if (body.type !== 'sms') key += `\u0000${JSON.stringify([body.media_urls, body.media_ids, body.template, body.interactive, body.location])}`;
    hash64(key, this.h);
    return this.seen.addOrGet(this.h[0]!, this.h[1]!, row);
  }

  /** How many distinct messages were remembered before the bound stopped the check, if it did. */
  get stoppedAt(): number | undefined {
    return this.seen.full ? this.seen.size : undefined;
  }
}
