/**
 * The Send Message body: one zod schema for sms, mms and whatsapp (the single source of the
 * body's type), and `buildMessage`, which turns loosely typed options (flags, config, CSV cells)
 * into the exact JSON body Plivo receives, or the full list of problems.
 */
import { z } from 'zod';
import type { Problem } from './problems.js';
import { applySmartEncoding, checkTextLimit, countSegments, type SegmentCount } from './encoding.js';
import { checkPhoneNumber, MAX_DESTINATIONS, parseDestinations, parseSender } from './numbers.js';
import { loneSurrogateIndex } from './text-decoding.js';
import { validateInteractive, validateLocation, validateTemplate } from './whatsapp.js';
import { isHttpUrl } from './url.js';

import {
  CALLBACK_METHODS,
  DLT_CATEGORIES,
  LOG_VALUES,
  MAX_MEDIA,
  MESSAGE_EXPIRY_MAX,
  MESSAGE_EXPIRY_MIN,
  MESSAGE_TYPES,
  MMS_TEXT_MAX,
  WHATSAPP_CAPTION_MAX,
  WHATSAPP_TEXT_MAX,
  type MessageType,
} from './fields.js';

export * from './fields.js';

const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL' });

export const messageBodySchema = z.object({
  src: z.string().optional(),
  powerpack_uuid: z.string().optional(),
  dst: z.string(),
  text: z.string().optional(),
  type: z.enum(MESSAGE_TYPES),
  media_urls: z.array(httpUrl).optional(),
  media_ids: z.array(z.string().min(1)).optional(),
  template: z.unknown().optional(),
  interactive: z.unknown().optional(),
  location: z.unknown().optional(),
  url: httpUrl.optional(),
  method: z.enum(CALLBACK_METHODS).optional(),
  log: z.enum(LOG_VALUES).optional(),
  trackable: z.boolean().optional(),
  message_expiry: z.number().int().min(MESSAGE_EXPIRY_MIN).max(MESSAGE_EXPIRY_MAX).optional(),
  dlt_entity_id: z.string().min(1).optional(),
  dlt_template_id: z.string().min(1).optional(),
  dlt_template_category: z.enum(DLT_CATEGORIES).optional(),
});

export type MessageBody = z.infer<typeof messageBodySchema>;

/** Options as they arrive from flags, the config file or a CSV row: strings where the user typed. */
export interface MessageOptions {
  type: MessageType;
  src?: string | undefined;
  powerpackUuid?: string | undefined;
  dst?: readonly string[] | undefined;
  text?: string | undefined;
  mediaUrls?: readonly string[] | undefined;
  mediaIds?: readonly string[] | undefined;
  template?: unknown;
  interactive?: unknown;
  location?: unknown;
  url?: string | undefined;
  method?: string | undefined;
  log?: string | boolean | undefined;
  trackable?: boolean | string | undefined;
  messageExpiry?: number | string | undefined;
  dltEntityId?: string | undefined;
  dltTemplateId?: string | undefined;
  dltTemplateCategory?: string | undefined;
  smartEncoding?: boolean | undefined;
}

export interface BuiltMessage {
  body: MessageBody;
  destinations: string[];
  /** Segment count of `body.text` (SMS billing units; informative for mms/whatsapp). */
  count: SegmentCount | undefined;
  /** Look-alike characters replaced by `--smart-encoding`. */
  replaced: Array<{ from: string; to: string }>;
}

export type BuildResult = { ok: true; message: BuiltMessage } | { ok: false; problems: Problem[] };

export function buildMessage(options: MessageOptions): BuildResult {
  const problems: Problem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  // Keys are assigned in the order Plivo documents them, so dry runs read naturally.
  const body = {} as MessageBody;

  // Sender: exactly one of src / powerpack_uuid (WhatsApp: src only).
  const src = blankToUndefined(options.src);
  const powerpack = blankToUndefined(options.powerpackUuid);
  if (src !== undefined) {
    const sender = parseSender(src);
    if (sender.ok) body.src = sender.sender;
    else add('src', sender.problem);
  }
  if (powerpack !== undefined) body.powerpack_uuid = powerpack.trim();
  if (options.type === 'whatsapp') {
    if (powerpack !== undefined) add('powerpack_uuid', 'WhatsApp messages cannot use a Powerpack; give the WhatsApp-enabled number as --src');
    if (src === undefined) add('src', 'is required for WhatsApp: give the WhatsApp-enabled sender number with --src');
    else if (body.src !== undefined && !/^[0-9]+$/.test(body.src)) add('src', `'${body.src}' is not a phone number; WhatsApp needs the sender's number with its country code`);
  } else if (src !== undefined && powerpack !== undefined) {
    add('src', 'give either --src or --powerpack-uuid, not both');
  } else if (src === undefined && powerpack === undefined) {
    add('src', 'a sender is required: pass --src <number or sender ID> or --powerpack-uuid <uuid> (or set src in .plivorc)');
  }

  // Destinations.
  const placeholder = options.dst?.find((d) => d.includes('{{'));
  if (placeholder !== undefined) add('dst', `'${placeholder}' is a placeholder: it is filled from a CSV column only in batch mode (--csv <file>); give a number here`);
  const destinations = parseDestinations(options.dst ?? []).filter((d) => d !== '');
  if (destinations.length === 0) add('dst', 'at least one destination is required: pass --dst <number> with the country code');
  if (destinations.length > MAX_DESTINATIONS) add('dst', `at most ${MAX_DESTINATIONS} unique numbers per request (got ${destinations.length}); split them into several sends or use --csv`);
  for (const number of placeholder === undefined ? destinations : []) {
    const problem = checkPhoneNumber(number);
    if (problem) add('dst', problem);
    else if (body.src !== undefined && number === body.src) add('dst', `'${number}' is also the sender; a message cannot be sent to its own source number`);
  }
  body.dst = destinations.join('<');

  // Text.
  let text = options.text;
  let replaced: BuiltMessage['replaced'] = [];
  if (text !== undefined && options.smartEncoding) {
    const smart = applySmartEncoding(text);
    text = smart.text;
    replaced = smart.replaced;
  }
  let count: SegmentCount | undefined;
  if (text !== undefined && text !== '') {
    const problem = textProblem(text);
    if (problem) add('text', problem);
    body.text = text;
    count = countSegments(text);
  }
  body.type = options.type;

  // Media.
  const mediaUrls = splitMediaUrls(options.mediaUrls, add);
  const mediaIds = splitList(options.mediaIds, /[\s,|]+/);
  if (mediaUrls.length > 0) body.media_urls = mediaUrls;
  if (mediaIds.length > 0) body.media_ids = mediaIds;

  if (options.type !== 'whatsapp') {
    for (const field of ['template', 'interactive', 'location'] as const) {
      if (options[field] !== undefined) add(field, 'is only for WhatsApp; use `plivo-send whatsapp`');
    }
  }

  switch (options.type) {
    case 'sms': {
      if (count === undefined) add('text', 'is required for SMS: pass --text "<message>" (or --text - to read stdin)');
      else {
        const limit = checkTextLimit(count);
        if (limit) add('text', limit);
      }
      if (mediaUrls.length + mediaIds.length > 0) add('media_urls', 'SMS cannot carry media; use `plivo-send mms`');
      break;
    }
    case 'mms': {
      const total = mediaUrls.length + mediaIds.length;
      if (total === 0) add('media_urls', 'MMS needs at least one attachment: pass --media-url <url> or --media-id <id>');
      if (total > MAX_MEDIA) add('media_urls', `at most ${MAX_MEDIA} attachments in all (media_urls + media_ids), got ${total}`);
      if (text !== undefined && [...text].length > MMS_TEXT_MAX) add('text', `is ${[...text].length} characters; MMS text may be at most ${MMS_TEXT_MAX}`);
      break;
    }
    case 'whatsapp': {
      if (mediaIds.length > 0) add('media_ids', 'WhatsApp takes media by URL only: use --media-url');
      if (mediaUrls.length > 1) add('media_urls', `WhatsApp takes exactly one media URL (got ${mediaUrls.length})`);
      const kinds = (['template', 'interactive', 'location'] as const).filter((k) => options[k] !== undefined);
      const freeForm = body.text !== undefined || mediaUrls.length > 0;
      if (kinds.length + (freeForm ? 1 : 0) === 0) {
        add('text', 'WhatsApp needs content: --text (with an optional --media-url), --template, --interactive or --location');
      } else if (kinds.length + (freeForm ? 1 : 0) > 1) {
        const given = [...(freeForm ? [body.text !== undefined ? 'text' : 'media_urls'] : []), ...kinds];
        add(given[0] ?? 'text', `give exactly one kind of content, not ${given.join(' and ')}`);
      }
      if (text !== undefined) {
        const length = [...text].length;
        const max = mediaUrls.length > 0 ? WHATSAPP_CAPTION_MAX : WHATSAPP_TEXT_MAX;
        if (length > max) add('text', `is ${length} characters; ${mediaUrls.length > 0 ? 'a media caption' : 'WhatsApp text'} may be at most ${max}`);
      }
      if (options.template !== undefined) {
        problems.push(...validateTemplate(options.template));
        body.template = options.template;
      }
      if (options.interactive !== undefined) {
        problems.push(...validateInteractive(options.interactive));
        body.interactive = options.interactive;
      }
      if (options.location !== undefined) {
        problems.push(...validateLocation(options.location));
        body.location = options.location;
      }
      break;
    }
  }

  // Status callback and delivery options.
  const url = blankToUndefined(options.url);
  if (url !== undefined) body.url = url.trim();
  const method = blankToUndefined(options.method);
  if (method !== undefined) body.method = method.trim().toUpperCase() as MessageBody['method'];
  if (body.method !== undefined && body.url === undefined) add('method', 'sets how the status callback is called: give --url too');
  if (options.log !== undefined && options.log !== '') body.log = String(options.log).trim().toLowerCase() as MessageBody['log'];
  if (options.trackable !== undefined && options.trackable !== '') {
    const trackable = parseBoolean(options.trackable);
    if (trackable === undefined) add('trackable', `'${String(options.trackable)}' is not a boolean: use true or false`);
    else body.trackable = trackable;
  }
  if (options.messageExpiry !== undefined && options.messageExpiry !== '') {
    const expiry = parseInteger(options.messageExpiry);
    if (expiry === undefined) add('message_expiry', `'${String(options.messageExpiry)}' is not a whole number of seconds (${MESSAGE_EXPIRY_MIN}–${MESSAGE_EXPIRY_MAX})`);
    else body.message_expiry = expiry;
  }
  const entity = blankToUndefined(options.dltEntityId);
  if (entity !== undefined) body.dlt_entity_id = entity.trim();
  const template = blankToUndefined(options.dltTemplateId);
  if (template !== undefined) body.dlt_template_id = template.trim();
  const category = blankToUndefined(options.dltTemplateCategory);
  if (category !== undefined) body.dlt_template_category = category.trim().toLowerCase() as MessageBody['dlt_template_category'];

  // Shapes and enums: the schema speaks for itself with field-specific wording.
  const parsed = messageBodySchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.');
      problems.push({ field, message: describeIssue(field, issue, body) });
    }
  }

  if (problems.length > 0) return { ok: false, problems: dedupeProblems(problems) };
  return { ok: true, message: { body, destinations, count, replaced } };
}

function describeIssue(field: string, issue: z.core.$ZodIssue, body: MessageBody): string {
  switch (field) {
    case 'log':
      return `'${String(body.log)}' is not allowed: use one of ${LOG_VALUES.join(', ')}`;
    case 'method':
      return 'must be GET or POST';
    case 'dlt_template_category':
      return `must be one of ${DLT_CATEGORIES.join(', ')}`;
    case 'message_expiry':
      return `must be between ${MESSAGE_EXPIRY_MIN} and ${MESSAGE_EXPIRY_MAX} seconds (Plivo's default is 10800, 3 hours; omit it to use that)`;
    default:
      return issue.message;
  }
}

function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Why `text` cannot be sent as it is: only whitespace, or a surrogate with no pair. */
function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is blank (only spaces or line breaks); give the message text';
  const lone = loneSurrogateIndex(text);
  if (lone >= 0) return `holds an unpaired UTF-16 surrogate (\\u${text.charCodeAt(lone).toString(16).toUpperCase()}) at character ${lone + 1}, which no phone can show; fix the text's encoding`;
  return undefined;
}

/** Repeated values, each possibly a list split by `separator`. */
function splitList(values: readonly string[] | undefined, separator: RegExp): string[] {
  const out: string[] = [];
  for (const value of values ?? []) {
    for (const part of value.split(separator)) if (part !== '') out.push(part);
  }
  return out;
}

/**
 * Media URLs: each value one URL, or a list split by spaces, `|`, or commas that start a new
 * `http(s)://` URL, so that a comma inside a URL (`…/w_100,h_100/x.jpg`) stays; or a JSON array.
 */
const MEDIA_URL_SEPARATOR = /[\s|]+|,\s*(?=https?:\/\/)/i;

function splitMediaUrls(values: readonly string[] | undefined, add: (field: string, message: string) => void): string[] {
  const out: string[] = [];
  for (const value of values ?? []) {
    const trimmed = value.trim();
    if (!trimmed.startsWith('[')) {
      out.push(...splitList([trimmed], MEDIA_URL_SEPARATOR));
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((url) => typeof url === 'string')) out.push(...(parsed as string[]));
    else add('media_urls', `'${trimmed}' is not a JSON array of URL strings (e.g. ["https://e.com/a.jpg"])`);
  }
  return out;
}

export function parseBoolean(value: boolean | string): boolean | undefined {
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
