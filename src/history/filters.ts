/**
 * `plivo-send messages` flags → the query of Plivo's message list ("List all messages" in
 * Plivo's Message API documentation). Every value is checked before any request, and all
 * problems are reported together, each naming its flag.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import type { Problem } from '../core/problems.js';
import { formatPlivoTime } from '../transport/client.js';
import { MESSAGE_STATES, MESSAGE_TYPES } from '../core/fields.js';

export interface HistoryFlags {
  since?: string;
  until?: string;
  to?: string;
  from?: string;
  type?: string;
  state?: string;
  direction?: string;
  errorCode?: string;
  country?: string;
}

export interface HistoryQuery {
  /** The list's filters, without limit and offset. */
  filters: Record<string, string>;
  since: Date;
  until: Date;
}

const DIRECTIONS = ['inbound', 'outbound'] as const;

/** Plivo lists the last 24 hours when no time filter is given; so does `messages`. */
const DEFAULT_WINDOW_MS = 24 * 3600_000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * `2h`, `30m`, `7d`, `1w` (that long before `now`), or a date and time: `2024-08-21`,
 * `2024-08-21 18:30`, `2024-08-21T18:30:00Z`, `…+05:30`. Without a zone, the local time.
 */
function parseTime(value: string, now: number): Date | undefined {
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration) return new Date(now - Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]!);
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3))] as const;
  let ms: number;
  if (zone === undefined) ms = new Date(...parts).getTime();
  else {
    const offset = zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone);
    ms = Date.UTC(...parts) - offset * 60_000;
  }
  // 2024-02-31 rolls over to March: a date that does not exist is refused, not moved.
  const check = zone === undefined ? new Date(ms) : new Date(Date.UTC(...parts));
  const day = zone === undefined ? check.getDate() : check.getUTCDate();
  const month = zone === undefined ? check.getMonth() : check.getUTCMonth();
  if (Number.isNaN(ms) || day !== parts[2] || month !== parts[1] || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return undefined;
  return new Date(ms);
}

function zoneMinutes(zone: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Plivo strips these from numbers; so do the filters (README: --dst). */
function sanitizeNumber(value: string): string {
  return value.replace(/[\s/\-.+()]/g, '');
}

function oneOf(flag: string, value: string | undefined, allowed: readonly string[], problems: Problem[], what: string): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (allowed.includes(v)) return v;
  problems.push({ field: flag, message: `'${value}' is not ${what}: use ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)!}` });
  return undefined;
}

/** The list query for the flags, or every problem with them. `now` is the local clock. */
export function buildHistoryQuery(flags: HistoryFlags, now: number): { query: HistoryQuery } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const time = (flag: string, value: string | undefined): Date | undefined => {
    if (value === undefined) return undefined;
    const date = parseTime(value, now);
    if (date === undefined)
      problems.push({
        field: flag,
        message: `'${value}' is not a time: give a duration back from now (30m, 2h, 7d, 1w) or a date and time (2024-08-21, '2024-08-21 18:30', 2024-08-21T18:30:00Z)`,
      });
    return date;
  };
  const until = time('--until', flags.until) ?? new Date(now);
  const since = time('--since', flags.since) ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
  if (since.getTime() >= until.getTime() && !problems.some((p) => p.field === '--since' || p.field === '--until'))
    problems.push({ field: '--since', message: `${since.toISOString()} is not before --until (${until.toISOString()}): nothing could match` });
  if (until.getTime() > now + 60_000 && flags.until !== undefined) problems.push({ field: '--until', message: `'${flags.until}' is in the future` });

  const filters: Record<string, string> = {};
  if (flags.to !== undefined) {
    const to = sanitizeNumber(flags.to);
    if (/^\d{3,15}$/.test(to)) filters.to_number = to;
    else problems.push({ field: '--to', message: `'${flags.to}' is not a phone number: use digits with the country code (e.g. 14155550100)` });
  }
  if (flags.from !== undefined) {
    const from = sanitizeNumber(flags.from);
    if (/^[A-Za-z0-9]{1,15}$/.test(from)) filters.from_number = from;
    else problems.push({ field: '--from', message: `'${flags.from}' is not a sender: use a phone number with its country code or an alphanumeric sender ID` });
  }
  const type = oneOf('--type', flags.type, MESSAGE_TYPES, problems, 'a message type');
  if (type) filters.message_type = type;
  const state = oneOf('--state', flags.state, MESSAGE_STATES, problems, 'a message state');
  if (state) filters.message_state = state;
  const direction = oneOf('--direction', flags.direction, DIRECTIONS, problems, 'a direction');
  if (direction) filters.message_direction = direction;
  if (flags.errorCode !== undefined) {
    if (/^\d{1,5}$/.test(flags.errorCode.trim())) filters.error_code = String(Number(flags.errorCode.trim()));
    else problems.push({ field: '--error-code', message: `'${flags.errorCode}' is not a delivery error code: Plivo's are numbers such as 30, 200 or 450` });
  }
  if (flags.country !== undefined) {
    const country = flags.country.trim().toUpperCase();
    if (/^[A-Z]{2}$/.test(country) && isSupportedCountry(country)) filters.destination_country_iso2 = country;
    else problems.push({ field: '--country', message: `'${flags.country}' is not a country: use its two-letter ISO 3166-1 code (US, GB, IN)` });
  }
  if (problems.length > 0) return { problems };
  // The filter's time zone is not documented; Plivo's examples and its records' own offsets
  // suggest UTC, which is what formatPlivoTime writes.
  filters.message_time__gte = formatPlivoTime(since);
  // The filter takes whole seconds: `until` is rounded up, so a message sent this second is listed.
  filters.message_time__lte = formatPlivoTime(new Date(Math.ceil(until.getTime() / 1000) * 1000));
  return { query: { filters, since, until } };
}
