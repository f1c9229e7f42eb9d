/**
 * Sender IDs (destinations are read by phone.ts). A sender is never rewritten: a numeric one may be written like a phone number, but an alphanumeric sender
 * ID is sent exactly as given, or refused (Plivo would strip `My-Shop` to `MyShop` unasked).
 */

const DST_STRIP = /[/\-.+()\s]/g;
/** A number written with a `+`, spaces or punctuation: `+1 (415) 555-0100`. */
const PHONE_LIKE = /^\+?[0-9/\-.()\s]*[0-9][0-9/\-.()\s]*$/;
const ALPHANUMERIC = /^[A-Za-z0-9]+$/;

export const MAX_DESTINATIONS = 1000;
const MAX_NUMBER_LENGTH = 14;
const MAX_ALPHANUMERIC_SENDER = 11;

function sanitizeNumber(raw: string): string {
  return raw.replace(DST_STRIP, '');
}

export type SenderResult = { ok: true; sender: string } | { ok: false; problem: string };

/**
 * The sender as sent: a phone number or short code loses its `+`, spaces and punctuation (as a
 * destination does); anything else must already be a valid alphanumeric sender ID.
 */
export function parseSender(raw: string): SenderResult {
  const given = raw.trim();
  if (given === '') return { ok: false, problem: 'is empty' };
  if (PHONE_LIKE.test(given)) {
    const digits = sanitizeNumber(given);
    if (digits.length > MAX_NUMBER_LENGTH)
      return {
        ok: false,
        problem: `'${given}' has ${digits.length} digits; a numeric sender has at most ${MAX_NUMBER_LENGTH}, starting with the country code`,
      };
    return { ok: true, sender: digits };
  }
  const rule = `may hold only letters A-Z a-z and digits 0-9 (an alphanumeric sender ID of at most ${MAX_ALPHANUMERIC_SENDER} characters)`;
  if (!ALPHANUMERIC.test(given)) {
    const bad = [...given].find((c) => !ALPHANUMERIC.test(c))!;
    return { ok: false, problem: `'${given}' ${rule}; ${/\s/.test(bad) ? 'a space' : `'${bad}'`} is not one` };
  }
  if (given.length > MAX_ALPHANUMERIC_SENDER)
    return { ok: false, problem: `'${given}' has ${given.length} characters; an alphanumeric sender ID has at most ${MAX_ALPHANUMERIC_SENDER}` };
  return { ok: true, sender: given };
}
