/** Wording shared by the human output of every layer: counts and what a message costs in units. */
import type { BuiltMessage } from './message.js';

/** A sentence's first letter in capitals: `capitalize('timed out')` → `Timed out`. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${formatCount(count)} ${count === 1 ? word : many}`;
}

/**
 * A count with thousands separators, as `toLocaleString('en-US')` writes it (`12,345`), without
 * its first call's cost: loading the locale data takes about 10 ms, before a batch's first message.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${grouped}` : grouped;
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
