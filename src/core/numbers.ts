/**
 * Phone numbers and sender IDs, sanitised the way Plivo does before it validates them
 * (plivo-message-api.md §1): `/ - . + ( )` and whitespace go from `dst`; everything but
 * A-Z a-z 0-9 goes from `src`.
 */

const DST_STRIP = /[/\-.+()\s]/g;
const SRC_STRIP = /[^A-Za-z0-9]/g;
const DIGITS = /^[0-9]+$/;

export const MAX_DESTINATIONS = 1000;
export const MAX_NUMBER_LENGTH = 14;
export const MAX_ALPHANUMERIC_SENDER = 11;

export function sanitizeNumber(raw: string): string {
  return raw.replace(DST_STRIP, '');
}

export function sanitizeSender(raw: string): string {
  return raw.replace(SRC_STRIP, '');
}

/**
 * Why `number` (already sanitised) cannot be a destination, or undefined when it can.
 * Only what is certainly wrong is rejected: Plivo has the final word on numbering plans.
 */
export function checkPhoneNumber(number: string): string | undefined {
  if (number === '') return 'is empty';
  if (!DIGITS.test(number)) return `'${number}' is not a phone number: use digits only, starting with the country code (e.g. 14155550100)`;
  if (number.startsWith('0')) return `'${number}' starts with 0: write it with the country code instead of a trunk prefix (e.g. 447700900123)`;
  if (number.length > MAX_NUMBER_LENGTH) return `'${number}' has ${number.length} digits; at most ${MAX_NUMBER_LENGTH} are allowed`;
  if (number.length < 7) return `'${number}' is too short for a phone number with its country code`;
  // North American numbers are always 1 + 10 digits: catches a missing or doubled country code.
  if (number.startsWith('1') && number.length !== 11) return `'${number}' looks like a North American number but has ${number.length} digits; it needs 1 followed by 10 digits`;
  return undefined;
}

/**
 * Splits `<`-joined destination lists (one or several strings), sanitises each number and
 * drops repeats, keeping the first occurrence's order.
 */
export function parseDestinations(values: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    for (const part of value.split('<')) {
      seen.add(sanitizeNumber(part));
    }
  }
  return [...seen];
}

/** Why `sender` (already sanitised) cannot be `src`, or undefined when it can. */
export function checkSender(sender: string): string | undefined {
  if (sender === '') return 'is empty after removing characters other than letters and digits';
  if (DIGITS.test(sender)) {
    if (sender.length > MAX_NUMBER_LENGTH) return `'${sender}' has ${sender.length} digits; a numeric sender has at most ${MAX_NUMBER_LENGTH}, starting with the country code`;
    return undefined;
  }
  if (sender.length > MAX_ALPHANUMERIC_SENDER) return `'${sender}' has ${sender.length} characters; an alphanumeric sender ID has at most ${MAX_ALPHANUMERIC_SENDER}`;
  return undefined;
}
