/** Wording shared by the human output of every layer: counts and what a message costs in units. */
import type { BuiltMessage } from './message.js';

/** A sentence's first letter in capitals: `capitalize('timed out')` → `Timed out`. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : many}`;
}

/** `GSM-7, 2 segments each`, `MMS, 1 attachment`, `WhatsApp`: what one message is billed as. */
export function describeUnits(message: BuiltMessage): string {
  const { body, count } = message;
  if (body.type !== 'sms')
    return body.type === 'mms' ? `MMS, ${plural((body.media_urls?.length ?? 0) + (body.media_ids?.length ?? 0), 'attachment')}` : 'WhatsApp';
  if (!count) return 'no text';
  const each = message.destinations.length > 1 ? ' each' : '';
  return `${count.encoding}, ${plural(count.segments, 'segment')}${each}`;
}
