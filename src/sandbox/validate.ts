/**
 * Server-side checks of a Send Message request, as Plivo answers them: the first problem found
 * becomes a 400 `{"error": "..."}` (Plivo reports one error at a time, not a list). The wording
 * imitates Plivo's where it is known ("'1111111' is not a valid phone number.", "invalid phone
 * numbers.") and is plausible elsewhere: no public source lists every message.
 */
import { readNumber } from '../core/phone.js';
import { countSegments, GSM_MAX_CHARS, UCS2_MAX_UNITS } from '../core/encoding.js';

const MESSAGE_TYPES = ['sms', 'mms', 'whatsapp'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
const LOG_VALUES = ['true', 'false', 'number_only', 'content_only'] as const;
export type LogValue = (typeof LOG_VALUES)[number];
const DLT_CATEGORIES = ['transactional', 'promotional', 'service_implicit', 'service_explicit'];

const MAX_DESTINATIONS = 1000;
const MAX_MEDIA = 10;
const MMS_TEXT_MAX = 1600;
const WHATSAPP_TEXT_MAX = 4096;
const WHATSAPP_CAPTION_MAX = 1024;
const EXPIRY_MIN = 5;
const EXPIRY_MAX = 10_799;
const DEFAULT_EXPIRY = 10_800;

/** A request that passed validation, normalised. */
export interface AcceptedMessage {
  type: MessageType;
  /** Sanitised sender, or undefined when a powerpack sends. */
  src: string | undefined;
  powerpackUuid: string | undefined;
  /** Valid destinations, sanitised, unique, in request order. */
  destinations: string[];
  /** Destinations that were dropped (only ever non-empty when some are valid). */
  invalid: string[];
  text: string | undefined;
  /** WhatsApp template message (it opens a conversation; other kinds need one open). */
  isTemplate: boolean;
  units: number;
  url: string | undefined;
  method: 'GET' | 'POST';
  log: LogValue;
  trackable: boolean;
  messageExpiry: number;
  dltEntityId: string | undefined;
  dltTemplateId: string | undefined;
  dltTemplateCategory: string | undefined;
}

export type ValidationResult = { ok: true; message: AcceptedMessage } | { ok: false; error: string };

class Rejection extends Error {}

function reject(message: string): never {
  throw new Rejection(message);
}

/** Validates a decoded request body (JSON object, or a form converted by `bodyFromForm`). */
export function validateSendRequest(body: Record<string, unknown>): ValidationResult {
  try {
    return { ok: true, message: check(body) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, error: error.message };
    throw error;
  }
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') reject(`${field} must be a string`);
  return value;
}

function check(body: Record<string, unknown>): AcceptedMessage {
  const type = optionalString(body, 'type') ?? 'sms';
  if (!isMessageType(type)) reject(`'${type}' is not a valid message type. Valid types are sms, mms and whatsapp`);

  const rawSrc = optionalString(body, 'src');
  const powerpackUuid = optionalString(body, 'powerpack_uuid');
  if (rawSrc !== undefined && powerpackUuid !== undefined) reject('src and powerpack_uuid cannot be used together; use only one of them');
  if (type === 'whatsapp' && rawSrc === undefined) reject('src is required for whatsapp messages');
  if (rawSrc === undefined && powerpackUuid === undefined) reject('either src or powerpack_uuid is required');
  if (powerpackUuid !== undefined && powerpackUuid.trim() === '') reject('powerpack_uuid cannot be empty');
  const src = rawSrc === undefined ? undefined : checkSource(rawSrc);

  const dst = optionalString(body, 'dst');
  if (dst === undefined || dst.trim() === '') reject('dst is required');

  const text = optionalString(body, 'text');
  const mediaUrls = stringList(body, 'media_urls');
  const mediaIds = stringList(body, 'media_ids');
  for (const url of mediaUrls) if (!isHttpUrl(url)) reject(`'${url}' is not a valid media url`);
  const units = checkContent(type, body, text, mediaUrls, mediaIds);

  const url = optionalString(body, 'url');
  if (url !== undefined && !isHttpUrl(url)) reject(`'${url}' is not a valid url`);
  const method = (optionalString(body, 'method') ?? 'POST').toUpperCase();
  if (method !== 'GET' && method !== 'POST') reject('method must be GET or POST');

  const log = checkLog(body.log);
  const trackable = body.trackable ?? false;
  if (typeof trackable !== 'boolean') reject('trackable must be a boolean (true or false)');
  const messageExpiry = checkExpiry(body.message_expiry);
  const dltEntityId = optionalString(body, 'dlt_entity_id');
  const dltTemplateId = optionalString(body, 'dlt_template_id');
  const dltTemplateCategory = optionalString(body, 'dlt_template_category');
  if (dltTemplateCategory !== undefined && !DLT_CATEGORIES.includes(dltTemplateCategory)) {
    reject(`'${dltTemplateCategory}' is not a valid dlt_template_category. Valid values are ${DLT_CATEGORIES.join(', ')}`);
  }

  const { destinations, invalid } = checkDestinations(dst, src);
  return {
    type,
    src,
    powerpackUuid,
    destinations,
    invalid,
    text,
    isTemplate: type === 'whatsapp' && body.template !== undefined && body.template !== null,
    units,
    url,
    method,
    log,
    trackable,
    messageExpiry,
    dltEntityId,
    dltTemplateId,
    dltTemplateCategory,
  };
}

function isMessageType(value: string): value is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(value);
}

function checkSource(raw: string): string {
  const src = raw.replace(/[^A-Za-z0-9]/g, '');
  if (src === '') reject(`'${raw}' is not a valid source`);
  if (/^[0-9]+$/.test(src)) {
    if (src.length > 14) reject(`'${src}' is not a valid source number`);
  } else if (src.length > 11) {
    reject(`'${src}' is not a valid sender id; an alphanumeric sender id can have at most 11 characters`);
  }
  return src;
}

/** Returns the units the message is billed for. */
function checkContent(type: MessageType, body: Record<string, unknown>, text: string | undefined, mediaUrls: string[], mediaIds: string[]): number {
  const objects = (['template', 'interactive', 'location'] as const).filter((k) => body[k] !== undefined && body[k] !== null);
  if (type !== 'whatsapp' && objects.length > 0) reject(`${objects[0]} is only allowed for whatsapp messages`);

  if (type === 'sms') {
    if (text === undefined || text === '') reject('text is required for sms messages');
    if (mediaUrls.length > 0 || mediaIds.length > 0) reject('media_urls and media_ids are only allowed for mms and whatsapp messages');
    const count = countSegments(text);
    if (count.encoding === 'GSM-7' && count.characters > GSM_MAX_CHARS) reject(`text exceeds the maximum length of ${GSM_MAX_CHARS} characters`);
    if (count.encoding === 'UCS-2' && count.length > UCS2_MAX_UNITS) reject(`unicode text exceeds the maximum length of ${UCS2_MAX_UNITS} characters`);
    return count.segments;
  }

  if (type === 'mms') {
    const media = mediaUrls.length + mediaIds.length;
    if (media === 0) reject('media_urls or media_ids is required for mms messages');
    if (media > MAX_MEDIA) reject(`an mms message can have at most ${MAX_MEDIA} media (media_urls and media_ids together)`);
    if (text !== undefined && [...text].length > MMS_TEXT_MAX) reject(`text exceeds the maximum length of ${MMS_TEXT_MAX} characters`);
    return 1;
  }

  // WhatsApp: exactly one kind of content; free-form text may caption one media URL.
  if (mediaIds.length > 0) reject('media_ids are not supported for whatsapp messages; use media_urls');
  const kinds = objects.length + (text !== undefined || mediaUrls.length > 0 ? 1 : 0);
  if (kinds === 0) reject('one of text, media_urls, template, interactive or location is required for whatsapp messages');
  if (kinds > 1) reject('only one of text/media_urls, template, interactive or location can be sent in a whatsapp message');
  if (mediaUrls.length > 1) reject('a whatsapp message can have only one media url');
  if (text !== undefined) {
    const max = mediaUrls.length > 0 ? WHATSAPP_CAPTION_MAX : WHATSAPP_TEXT_MAX;
    if ([...text].length > max) reject(`text exceeds the maximum length of ${max} characters`);
  }
  if (objects[0] === 'template') checkTemplate(body.template);
  if (objects[0] === 'interactive') checkInteractive(body.interactive);
  if (objects[0] === 'location') checkLocation(body.location);
  return 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTemplate(template: unknown): void {
  if (!isObject(template)) reject('template must be an object');
  if (typeof template.name !== 'string' || !/^[a-z0-9_]+$/.test(template.name)) reject('template name is required and may contain only a-z, 0-9 and _');
  if (typeof template.language !== 'string' || template.language === '') reject('template language is required');
  if (template.components !== undefined && !Array.isArray(template.components)) reject('template components must be an array');
}

function checkInteractive(interactive: unknown): void {
  if (!isObject(interactive)) reject('interactive must be an object');
  if (!['button', 'list', 'cta_url'].includes(String(interactive.type))) reject('interactive type must be button, list or cta_url');
  const body = interactive.body;
  if (!isObject(body) || typeof body.text !== 'string' || body.text === '') reject('interactive body text is required');
  if (!isObject(interactive.action)) reject('interactive action is required');
}

function checkLocation(location: unknown): void {
  if (!isObject(location)) reject('location must be an object');
  for (const field of ['latitude', 'longitude', 'name', 'address']) {
    if (typeof location[field] !== 'string') reject(`location ${field} is required and must be a string`);
  }
}

function stringList(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) reject(`${field} must be a list of strings`);
  return value;
}

function checkLog(value: unknown): LogValue {
  // Current SDKs send a string; a JSON boolean is taken for what it obviously means.
  if (value === undefined || value === null) return 'true';
  const log = typeof value === 'boolean' ? String(value) : value;
  if (typeof log !== 'string' || !(LOG_VALUES as readonly string[]).includes(log)) {
    reject(`log must be one of ${LOG_VALUES.join(', ')}`);
  }
  return log as LogValue;
}

function checkExpiry(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_EXPIRY;
  if (typeof value !== 'number' || !Number.isInteger(value)) reject('message_expiry must be an integer');
  if (value < EXPIRY_MIN || value > EXPIRY_MAX) reject(`message_expiry must be between ${EXPIRY_MIN} and ${EXPIRY_MAX} seconds`);
  return value;
}

/** Plivo strips `/ - . + ( )` and whitespace from each destination before validating it. */
function sanitizeDestination(raw: string): string {
  return raw.replace(/[/\-.+()\s]/g, '');
}

/**
 * Whether a sanitised number can be a destination: digits starting with a country code, at most
 * 14 of them (Plivo's limit), that Google's libphonenumber metadata (its full version) knows as a
 * valid number of some country. Plivo checks numbering plans too, and answers the same way.
 */
function isValidNumber(number: string): boolean {
  // The same check as the CLI's (core/phone.ts): the number as written must be the valid number itself.
  if (!/^[1-9][0-9]{5,13}$/.test(number)) return false;
  const read = readNumber(`+${number}`, { check: true });
  return read.ok && read.number === number;
}

function checkDestinations(dst: string, src: string | undefined): { destinations: string[]; invalid: string[] } {
  const unique = [...new Set(dst.split('<').map(sanitizeDestination))];
  if (unique.length > MAX_DESTINATIONS) reject(`too many destination numbers: at most ${MAX_DESTINATIONS} unique numbers are allowed per request`);
  const destinations: string[] = [];
  const invalid: string[] = [];
  for (const number of unique) {
    if (isValidNumber(number) && number !== src) destinations.push(number);
    else invalid.push(number);
  }
  if (unique.length === 1 && invalid.length === 1) {
    const number = invalid[0] ?? '';
    reject(number === src ? 'src and dst cannot be the same number.' : `'${number}' is not a valid phone number.`);
  }
  if (destinations.length === 0) reject('invalid phone numbers.');
  return { destinations, invalid };
}

/**
 * Older SDKs post form-encoded bodies: repeated keys (or `key[]`) make lists, booleans and
 * integers arrive as strings, WhatsApp objects as JSON text.
 */
export function bodyFromForm(form: URLSearchParams): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const rawKey of new Set(form.keys())) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const values = form.getAll(rawKey);
    const last = values[values.length - 1] ?? '';
    if (key === 'media_urls' || key === 'media_ids') {
      body[key] = [...((body[key] as string[] | undefined) ?? []), ...values];
    } else if (key === 'trackable' && (last === 'true' || last === 'false')) {
      body[key] = last === 'true';
    } else if (key === 'message_expiry' && /^[0-9]+$/.test(last)) {
      body[key] = Number(last);
    } else if (key === 'template' || key === 'interactive' || key === 'location') {
      body[key] = parseJsonOr(last);
    } else {
      body[key] = last;
    }
  }
  return body;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
