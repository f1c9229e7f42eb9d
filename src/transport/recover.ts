/**
 * A single send whose answer may be lost: one POST, and when its outcome is unknown, a check of
 * Plivo's message list before anything else happens.
 */
import { NetworkError } from '../errors.js';
import type { BuiltMessage } from '../core/message.js';
import type { PlivoClient, PlivoResponse } from './client.js';

/**
 * Sends once. When the outcome is unknown (timeout, reset, 5xx), Plivo's message list is checked
 * before anything else happens: a message found there is reported as sent; nothing is re-sent.
 */
export async function sendChecked(client: PlivoClient, message: BuiltMessage, src: string | undefined): Promise<{ response: PlivoResponse; recovered: boolean }> {
  const startedAt = new Date();
  try {
    const { response } = await client.sendMessage(message.body);
    return { response, recovered: false };
  } catch (error) {
    if (!(error instanceof NetworkError) || error.outcome !== 'unknown') throw error;
    const found: string[] = [];
    const missing: string[] = [];
    try {
      for (const dst of message.destinations) {
        const records = await client.findMessagesSince(dst, startedAt, { src, type: message.body.type });
        if (records.length === 0) missing.push(dst);
        found.push(...records.map((r) => r.message_uuid));
      }
    } catch {
      throw new NetworkError(error.message, 'unknown', `${error.hint} Looking it up in Plivo's message list failed too: check the Plivo console's message logs for ${message.destinations.join(', ')} since ${startedAt.toISOString()}.`, error.details);
    }
    // Recovered only when every destination shows a message queued since the attempt; the
    // answer is marked as not Plivo's own.
    if (missing.length === 0) return { response: { message_uuid: found, recovered: true }, recovered: true };
    const partly = found.length > 0 ? ` (found ${found.join(', ')} for the others)` : '';
    throw new NetworkError(
      error.message,
      'unknown',
      `The message may still have been queued: Plivo's message list shows nothing to ${missing.join(', ')} since ${startedAt.toISOString()} yet${partly}, but it can lag. Check again in a minute (Plivo console > Messaging > Logs) before re-sending.`,
      error.details,
    );
  }
}

