/**
 * The Send Message API's enumerations and limits (https://www.plivo.com/docs/messaging/api/message/), kept free of zod so
 * that command definitions can use them without loading the validation core at start-up.
 */
export const MESSAGE_TYPES = ['sms', 'mms', 'whatsapp'] as const;
/** `message_state` values of Plivo's message records (`read`: WhatsApp; `received`: inbound). */
export const MESSAGE_STATES = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'received'] as const;
export const LOG_VALUES = ['true', 'false', 'number_only', 'content_only'] as const;
export const CALLBACK_METHODS = ['GET', 'POST'] as const;
export const DLT_CATEGORIES = ['transactional', 'promotional', 'service_implicit', 'service_explicit'] as const;
export const MESSAGE_EXPIRY_MIN = 5;
export const MESSAGE_EXPIRY_MAX = 10_799;
export const MAX_MEDIA = 10;
export const MMS_TEXT_MAX = 1600;
export const WHATSAPP_TEXT_MAX = 4096;
export const WHATSAPP_CAPTION_MAX = 1024;

/**
 * Bounds of the numeric settings, from a flag or a config file alike: a value outside is refused
 * with the range named (a timer given more than 2^31 ms would otherwise fire after 1 ms).
 */
export interface Range {
  min: number;
  max: number;
  integer: boolean;
  /** How a value is spoken of in an error: `seconds`, `requests per second`. */
  unit: string;
}
export const SETTING_RANGES = {
  timeout: { min: 0.1, max: 600, integer: false, unit: 'seconds' },
  rate: { min: 0.1, max: 1000, integer: false, unit: 'requests per second' },
  concurrency: { min: 1, max: 100, integer: true, unit: 'requests' },
  retries: { min: 0, max: 10, integer: true, unit: 'retries' },
  settle: { min: 0, max: 600, integer: false, unit: 'seconds' },
  wait: { min: 1, max: 86_400, integer: false, unit: 'seconds' },
} as const satisfies Record<string, Range>;
/** Plivo's documented limit for the send endpoint: 300 requests per 5 seconds. */
export const PLIVO_MAX_RATE = 60;

/** `'--timeout must be 1-600 seconds'` or undefined when `n` is in range. */
export function rangeProblem(name: string, n: number, range: Range): string | undefined {
  const kind = range.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(n) || (range.integer && !Number.isInteger(n)) || n < range.min || n > range.max) {
    return `${name} must be ${kind} from ${range.min} to ${range.max.toLocaleString('en-US')} (${range.unit})`;
  }
  return undefined;
}

export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Input encodings a CSV may be read in (spreadsheets export all of these). */
export const CSV_ENCODINGS = ['utf-8', 'utf-16le', 'latin1', 'windows-1252'] as const;
