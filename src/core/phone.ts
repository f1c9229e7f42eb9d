/**
 * Destination numbers read the way a person means them, and checked against Google's numbering
 * metadata (libphonenumber-js, its full "max" set) before anything is sent.
 *
 * Plivo wants E.164 digits without `+` and only strips punctuation: it cannot tell that
 * `(415) 555-0103` is a US number, and sends `4155550103` to +41. Here a number with `+` or `00`
 * keeps its own country code; a digits-only number is first read as international (Plivo's own
 * form); with a default country (`--country`) it is also read as a national number of that
 * country, and when both readings are valid numbers it is refused as ambiguous.
 *
 * Speed: libphonenumber-js compiles each pattern again on every check (about 100,000 numbers a
 * second). The common case, digits with a country code, is answered here with the same metadata
 * and the same rules as its `isValid()`, from patterns compiled once per country; whatever that
 * fast path cannot settle for certain (trunk prefixes, national numbers, invalid numbers) goes to
 * libphonenumber-js itself. test/core/phone.test.ts checks that both agree.
 */
import { Metadata, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** What `--country` and the metadata make of one destination as written. */
export type ReadNumber = { ok: true; number: string; country: string | undefined } | { ok: false; problem: string; hint?: string | undefined };

export interface NumberRules {
  /** ISO 3166-1 alpha-2 country of numbers written without a country code. */
  country?: string | undefined;
  /** false (`--no-number-check`): numbers the metadata does not know are sent as written. */
  check: boolean;
  /** `--suppress`: the list (its file name) that holds a number (E.164 digits), or undefined. */
  suppressed?: ((number: string) => string | undefined) | undefined;
}

/** Punctuation Plivo strips from `dst` (its Message API reference), `+` aside: it means "international". */
const PUNCTUATION = /[/\-.()\s]/g;
const WRITTEN_NUMBER = /^\+?[0-9]+$/;
const MAX_E164_DIGITS = 15;

const metadata = new Metadata();
// The metadata's calling code → countries table (main country first).
const CALLING_CODES = (metadata as unknown as { metadata: { country_calling_codes: Record<string, CountryCode[]> } }).metadata.country_calling_codes;

/** Whether `iso` names a country of the metadata (an upper-case ISO 3166-1 alpha-2 code). */
export function isKnownCountry(iso: string): boolean {
  return /^[A-Z]{2}$/.test(iso) && isSupportedCountry(iso);
}

/** `'United States'` for `'US'` (the code itself where the runtime has no name for it). */
function countryName(iso: string): string {
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
    return regionNames.of(iso) ?? iso;
  } catch {
    return iso;
  }
}
/** Made on first use: the locale data costs about 9 ms, which a batch of valid numbers never needs. */
let regionNames: Intl.DisplayNames | undefined;

/** Countries tried for a hint when a number is not valid as written and no --country was given. */
const HINT_COUNTRIES = ['US', 'GB', 'CA', 'AU', 'IN', 'DE', 'FR', 'ES', 'IT', 'NL', 'BR', 'MX', 'ZA', 'NG', 'SG', 'PH'] as const;

/**
 * One destination as written (`+1 (415) 555-0103`, `0044 7911 123456`, `0612345678` with
 * country FR) → the digits Plivo is sent, with the number's country; or why it cannot be sent.
 */
export function readNumber(raw: string, rules: NumberRules): ReadNumber {
  const written = raw.trim().replace(PUNCTUATION, '');
  if (written === '' || written === '+') return { ok: false, problem: 'is empty' };
  if (!WRITTEN_NUMBER.test(written)) {
    return { ok: false, problem: `'${raw.trim()}' is not a phone number: use digits, with the country code (e.g. +1 415 555 0103 or 14155550103)` };
  }
  const digits = written.startsWith('+') ? written.slice(1) : written.startsWith('00') ? written.slice(2) : written;
  if (digits.length > MAX_E164_DIGITS)
    return { ok: false, problem: `'${raw.trim()}' has ${digits.length} digits; a phone number has at most ${MAX_E164_DIGITS}, with its country code` };
  if (digits !== written) return international(digits, raw, rules);
  return digitsOnly(written, raw, rules);
}

/** A number written with its country code (`+`, `00`): `--country` does not change it. */
function international(digits: string, raw: string, rules: NumberRules): ReadNumber {
  const read = readInternational(digits);
  if (read) return { ok: true, number: read.number, country: read.country };
  if (!rules.check) return unchecked(digits, raw);
  return { ok: false, problem: `'${raw.trim()}' is not a valid phone number${describeReading(digits)}` };
}

/** Digits without `+`: international first (Plivo's form), and national when --country is given. */
function digitsOnly(digits: string, raw: string, rules: NumberRules): ReadNumber {
  const asInternational = digits.startsWith('0') ? undefined : readInternational(digits);
  const asNational = rules.country === undefined ? undefined : readNational(digits, rules.country);
  if (asInternational && asNational && asInternational.number !== asNational.number) {
    return {
      ok: false,
      problem:
        `'${raw.trim()}' is ambiguous: it is a valid number both with its own country code (+${asInternational.number}, ${countryName(asInternational.country ?? '')}) ` +
        `and as a national number of ${countryName(rules.country!)} (+${asNational.number})`,
      hint: `Write it with + and the country code: +${asInternational.number} or +${asNational.number}.`,
    };
  }
  const read = asInternational ?? asNational;
  if (read) return { ok: true, number: read.number, country: read.country };
  if (!rules.check) return uncheckedReading(digits, raw, rules.country);
  if (rules.country !== undefined) {
    return {
      ok: false,
      problem: `'${raw.trim()}' is not a valid phone number, neither with its own country code${describeReading(digits)} nor as a national number of ${countryName(rules.country)}`,
    };
  }
  if (digits.length < 7 && !digits.startsWith('0')) return { ok: false, problem: `'${raw.trim()}' is too short for a phone number with its country code` };
  const national = nationalHint(digits);
  return {
    ok: false,
    problem: digits.startsWith('0')
      ? `'${raw.trim()}' starts with 0, a national trunk prefix: it has no country code`
      : `'${raw.trim()}' is not a valid phone number${describeReading(digits)}`,
    hint: national
      ? `If it is a national number of ${countryName(national.country)}, add --country ${national.country} (it is then sent as ${national.number}), or write it with + and the country code.`
      : 'Write it with + and the country code, or give the country of national numbers with --country <ISO2>.',
  };
}

/**
 * `--no-number-check`: the metadata's lengths only ("possible", not "valid"). With --country, a
 * number that can only be national is read as national, one that can be both is ambiguous as
 * with the check; otherwise Plivo's own reading, the digits as written.
 */
function uncheckedReading(digits: string, raw: string, country: string | undefined): ReadNumber {
  if (country !== undefined) {
    const national = parsePhoneNumberFromString(digits, country as CountryCode);
    const nationalPossible = national?.isPossible() === true && national.number.length <= MAX_E164_DIGITS + 1;
    const internationalPossible = !digits.startsWith('0') && parsePhoneNumberFromString(`+${digits}`)?.isPossible() === true;
    if (nationalPossible && internationalPossible && national.number.slice(1) !== digits) {
      return {
        ok: false,
        problem: `'${raw.trim()}' is ambiguous: it could be +${digits} with its own country code or +${national.number.slice(1)} as a national number of ${countryName(country)}`,
        hint: `Write it with + and the country code: +${digits} or ${national.number}.`,
      };
    }
    if (nationalPossible) return { ok: true, number: national.number.slice(1), country: national.country ?? country };
  }
  return unchecked(digits, raw);
}

/** Plivo's own reading, the digits as written, with only the basic checks. */
function unchecked(digits: string, raw: string): ReadNumber {
  if (digits.startsWith('0'))
    return { ok: false, problem: `'${raw.trim()}' starts with 0: write it with the country code, or give --country for national numbers` };
  if (digits.length > MAX_E164_DIGITS)
    return { ok: false, problem: `'${raw.trim()}' has ${digits.length} digits; a phone number has at most ${MAX_E164_DIGITS}` };
  if (digits.length < 7) return { ok: false, problem: `'${raw.trim()}' is too short for a phone number with its country code` };
  return { ok: true, number: digits, country: countryOfDigits(digits) };
}

/** `' (read as +41 55 550 103 in Switzerland)'`: how the metadata splits the digits, when it can. */
function describeReading(digits: string): string {
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed) return '';
  const country = parsed.country ?? countryOfDigits(digits);
  return ` (read as ${parsed.formatInternational()}${country ? `, ${countryName(country)}` : ''})`;
}

/** A country among HINT_COUNTRIES where `digits` is a valid national number (fast path only: this runs for every refused row). */
function nationalHint(digits: string): { country: string; number: string } | undefined {
  for (const country of HINT_COUNTRIES) {
    // Where national numbers are written with a trunk 0 (GB 07911…, FR 06…), only such digits are
    // taken for one: 1415555014 (a US number missing a digit) is no hint of a UK 01415 number.
    if (planOf(country).trunk === '0' && !digits.startsWith('0')) continue;
    const read = fastNational(digits, country);
    if (read) return { country, number: read.number };
  }
  return undefined;
}

interface Reading {
  /** E.164 digits without `+`. */
  number: string;
  country: string | undefined;
}

/** `digits` (a country code first) as a valid number, or undefined. */
function readInternational(digits: string): Reading | undefined {
  if (digits.length > MAX_E164_DIGITS + 2) return undefined;
  const fast = fastValid(digits);
  if (fast !== undefined) return fast === false ? undefined : { number: digits, country: fast };
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed?.isValid()) return undefined;
  return { number: parsed.number.slice(1), country: parsed.country };
}

/** `digits` as a national number of `country` (a trunk prefix is dropped), or undefined. */
function readNational(digits: string, country: string): Reading | undefined {
  const fast = fastNational(digits, country);
  if (fast) return fast;
  const parsed = parsePhoneNumberFromString(digits, country as CountryCode);
  if (!parsed?.isValid() || parsed.number.length > MAX_E164_DIGITS + 1) return undefined;
  return { number: parsed.number.slice(1), country: parsed.country };
}

/** The fast path of a national reading: the trunk prefix dropped, the calling code put in front; undefined when unsure. */
function fastNational(digits: string, country: string): Reading | undefined {
  const plan = planOf(country);
  if (plan.rewrites || plan.callingCode === undefined) return undefined;
  const national = plan.trunk !== undefined && digits.startsWith(plan.trunk) ? digits.slice(plan.trunk.length) : digits;
  const number = plan.callingCode + national;
  if (number.length > MAX_E164_DIGITS) return undefined;
  const valid = fastValid(number);
  return typeof valid === 'string' ? { number, country: valid } : undefined;
}

/** The country of a number's calling code when the metadata cannot place the number itself (unchecked numbers). */
function countryOfDigits(digits: string): string | undefined {
  for (let i = 1; i <= 3; i++) {
    const countries = CALLING_CODES[digits.slice(0, i)];
    if (countries) return countries.length === 1 ? countries[0] : fastValid(digits) || countries[0];
  }
  return undefined;
}

/**
 * libphonenumber-js's `isValid()` for `+digits`, from patterns compiled once: the country when it
 * is valid, false when it is certainly not, undefined when only libphonenumber-js can tell (a
 * trunk prefix after the country code, a country whose metadata rewrites national numbers).
 */
function fastValid(digits: string): string | false | undefined {
  for (let i = 1; i <= 3; i++) {
    const code = digits.slice(0, i);
    const countries = CALLING_CODES[code];
    if (!countries) continue;
    const national = digits.slice(i);
    // libphonenumber-js strips a national prefix by the rules of the calling code's main country
    // (the first listed), whichever country the number then turns out to be in.
    const main = planOf(countries[0]!);
    if (main.rewrites || main.prefix?.test(national)) return undefined;
    let country: CountryPlan | undefined;
    /** The country was chosen by its number types: then it is valid already (`valid` is `typeOf`). */
    let typed = false;
    for (const iso of countries) {
      const plan = planOf(iso);
      if (countries.length === 1 || plan.leadingDigits?.test(national)) country = plan;
      else if (!plan.leadingDigits && plan.typeOf(national)) {
        country = plan;
        typed = plan.valid === plan.typeOf;
      } else continue;
      break;
    }
    if (!country) return undefined;
    return typed || country.valid(national) ? country.iso : false;
  }
  return undefined;
}

interface CountryPlan {
  iso: string;
  callingCode: string | undefined;
  /** The national (trunk) prefix, e.g. `0`. */
  trunk: string | undefined;
  /** A national prefix for parsing that matches the start of the number: libphonenumber-js would strip it. */
  prefix: RegExp | undefined;
  /** The metadata rewrites national numbers of this country (a transform rule): never the fast path. */
  rewrites: boolean;
  leadingDigits: RegExp | undefined;
  typeOf: (national: string) => boolean;
  valid: (national: string) => boolean;
}

const FIXED_LINE_FIRST = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
const plans = new Map<string, CountryPlan>();

interface NumberingPlan {
  callingCode(): string | undefined;
  nationalPrefix(): string | undefined;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

function planOf(iso: string): CountryPlan {
  let plan = plans.get(iso);
  if (plan) return plan;
  const m = new Metadata();
  m.selectNumberingPlan(iso as CountryCode);
  const np = m.numberingPlan as unknown as NumberingPlan;
  const whole = new RegExp(`^(?:${np.nationalNumberPattern()})$`);
  const types: Array<{ pattern: RegExp; lengths: number[] | undefined }> = [];
  if (np.hasTypes()) {
    for (const name of FIXED_LINE_FIRST) {
      const type = np.type(name);
      if (!type?.pattern()) continue;
      types.push({ pattern: new RegExp(`^(?:${type.pattern()})$`), lengths: type.possibleLengths() });
    }
  }
  // libphonenumber-js's getNumberType(): the general pattern, then any type's pattern (within its lengths).
  const typeOf = (national: string) =>
    whole.test(national) && types.some((t) => (t.lengths === undefined || t.lengths.includes(national.length)) && t.pattern.test(national));
  const prefixText = np.nationalPrefixForParsing();
  const leading = np.leadingDigits();
  plan = {
    iso,
    callingCode: np.callingCode(),
    trunk: np.nationalPrefix() || undefined,
    // Only a prefix that would consume digits matters; one that can match nothing is left to the slow path too.
    prefix: prefixText ? new RegExp(`^(?:${prefixText})`) : undefined,
    rewrites: Boolean(np.nationalPrefixTransformRule()) || (prefixText !== undefined && new RegExp(`^(?:${prefixText})`).test('')),
    leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
    typeOf,
    valid: np.hasTypes() ? typeOf : (national) => whole.test(national),
  };
  plans.set(iso, plan);
  return plan;
}
