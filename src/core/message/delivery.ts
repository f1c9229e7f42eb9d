import { MESSAGE_EXPIRY_MAX, MESSAGE_EXPIRY_MIN } from '../fields.js';
import { blankToUndefined, collectProblems, type MessageOptions, type Part } from './options.js';

/** As typed, normalised (trimmed, cased); the message schema then checks the URL and the enums. */
export interface DeliveryFields {
  url?: string;
  method?: string;
  log?: string;
  trackable?: boolean;
  message_expiry?: number;
  dlt_entity_id?: string;
  dlt_template_id?: string;
  dlt_template_category?: string;
}

type DeliveryOptions = Pick<MessageOptions, 'url' | 'method' | 'log' | 'trackable' | 'messageExpiry' | 'dltEntityId' | 'dltTemplateId' | 'dltTemplateCategory'>;

/** The status callback, logging, tracking, expiry and India's DLT fields. */
export function checkDelivery(options: DeliveryOptions): Part<DeliveryFields> {
  const { problems, add } = collectProblems();
  const fields: DeliveryFields = {};
  const url = blankToUndefined(options.url);
  if (url !== undefined) fields.url = url.trim();
  const method = blankToUndefined(options.method);
  if (method !== undefined) fields.method = method.trim().toUpperCase();
  if (fields.method !== undefined && fields.url === undefined) add('method', 'sets how the status callback is called: give --url too');
  // A config file may hold `log: false`; Plivo takes the string.
  if (options.log !== undefined && options.log !== '') fields.log = String(options.log).trim().toLowerCase();
  if (options.trackable !== undefined && options.trackable !== '') {
    const trackable = parseBoolean(options.trackable);
    if (trackable === undefined) add('trackable', `'${String(options.trackable)}' is not a boolean: use true or false`);
    else fields.trackable = trackable;
  }
  if (options.messageExpiry !== undefined && options.messageExpiry !== '') {
    const expiry = parseInteger(options.messageExpiry);
    if (expiry === undefined)
      add('message_expiry', `'${String(options.messageExpiry)}' is not a whole number of seconds (${MESSAGE_EXPIRY_MIN}–${MESSAGE_EXPIRY_MAX})`);
    else fields.message_expiry = expiry;
  }
  const entity = blankToUndefined(options.dltEntityId);
  if (entity !== undefined) fields.dlt_entity_id = entity.trim();
  const template = blankToUndefined(options.dltTemplateId);
  if (template !== undefined) fields.dlt_template_id = template.trim();
  const category = blankToUndefined(options.dltTemplateCategory);
  if (category !== undefined) fields.dlt_template_category = category.trim().toLowerCase();
  return { fields, problems };
}

function parseBoolean(value: boolean | string): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

function parseInteger(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : undefined;
}
