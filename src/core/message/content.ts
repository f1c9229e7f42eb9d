import { checkTextLimit, type SegmentCount } from '../encoding.js';
import { MAX_MEDIA, MMS_TEXT_MAX, WHATSAPP_CAPTION_MAX, WHATSAPP_TEXT_MAX } from '../fields.js';
import type { Problem } from '../problems.js';
import { validateInteractive, validateLocation, validateTemplate } from '../whatsapp.js';
import { collectProblems, type MessageOptions, type Part } from './options.js';

export interface ContentFields {
  media_urls?: string[];
  media_ids?: string[];
  template?: unknown;
  interactive?: unknown;
  location?: unknown;
}

type ContentOptions = Pick<MessageOptions, 'type' | 'mediaUrls' | 'mediaIds' | 'template' | 'interactive' | 'location'>;

/** The text as prepared for sending: `count` is undefined when there is no text to send. */
interface Text {
  text: string | undefined;
  count: SegmentCount | undefined;
}

/** Media, and the content rules of each message type (what it needs, what it cannot carry). */
export function checkContent(options: ContentOptions, text: Text): Part<ContentFields> {
  const { problems, add } = collectProblems();
  const mediaUrls = splitMediaUrls(options.mediaUrls, add);
  const mediaIds = splitList(options.mediaIds, /[\s,|]+/);
  const fields: ContentFields = {};
  if (mediaUrls.length > 0) fields.media_urls = mediaUrls;
  if (mediaIds.length > 0) fields.media_ids = mediaIds;
  const media = { urls: mediaUrls.length, ids: mediaIds.length };
  switch (options.type) {
    case 'sms':
      problems.push(...notWhatsApp(options), ...smsContent(text.count, media));
      break;
    case 'mms':
      problems.push(...notWhatsApp(options), ...mmsContent(text.text, media));
      break;
    case 'whatsapp':
      problems.push(...whatsappContent(options, text, media));
      Object.assign(fields, whatsappFields(options));
      break;
  }
  return { fields, problems };
}

interface MediaCount {
  urls: number;
  ids: number;
}

const WHATSAPP_KINDS = ['template', 'interactive', 'location'] as const;

function notWhatsApp(options: ContentOptions): Problem[] {
  return WHATSAPP_KINDS.filter((field) => options[field] !== undefined).map((field) => ({ field, message: 'is only for WhatsApp; use `plivo-send whatsapp`' }));
}

function smsContent(count: SegmentCount | undefined, media: MediaCount): Problem[] {
  const { problems, add } = collectProblems();
  if (count === undefined) add('text', 'is required for SMS: pass --text "<message>" (or --text - to read stdin)');
  else {
    const limit = checkTextLimit(count);
    if (limit) add('text', limit);
  }
  if (media.urls + media.ids > 0) add('media_urls', 'SMS cannot carry media; use `plivo-send mms`');
  return problems;
}

function mmsContent(text: string | undefined, media: MediaCount): Problem[] {
  const { problems, add } = collectProblems();
  const total = media.urls + media.ids;
  if (total === 0) add('media_urls', 'MMS needs at least one attachment: pass --media-url <url> or --media-id <id>');
  if (total > MAX_MEDIA) add('media_urls', `at most ${MAX_MEDIA} attachments in all (media_urls + media_ids), got ${total}`);
  if (text !== undefined && [...text].length > MMS_TEXT_MAX) add('text', `is ${[...text].length} characters; MMS text may be at most ${MMS_TEXT_MAX}`);
  return problems;
}

/** WhatsApp: exactly one kind of content (free-form text and/or one media URL, or a JSON kind). */
function whatsappContent(options: ContentOptions, text: Text, media: MediaCount): Problem[] {
  const { problems, add } = collectProblems();
  if (media.ids > 0) add('media_ids', 'WhatsApp takes media by URL only: use --media-url');
  if (media.urls > 1) add('media_urls', `WhatsApp takes exactly one media URL (got ${media.urls})`);
  const kinds = WHATSAPP_KINDS.filter((k) => options[k] !== undefined);
  const freeForm = text.count !== undefined || media.urls > 0;
  if (kinds.length + (freeForm ? 1 : 0) === 0) {
    add('text', 'WhatsApp needs content: --text (with an optional --media-url), --template, --interactive or --location');
  } else if (kinds.length + (freeForm ? 1 : 0) > 1) {
    const given = [...(freeForm ? [text.count !== undefined ? 'text' : 'media_urls'] : []), ...kinds];
    add(given[0] ?? 'text', `give exactly one kind of content, not ${given.join(' and ')}`);
  }
  if (text.text !== undefined) {
    const length = [...text.text].length;
    const max = media.urls > 0 ? WHATSAPP_CAPTION_MAX : WHATSAPP_TEXT_MAX;
    if (length > max) add('text', `is ${length} characters; ${media.urls > 0 ? 'a media caption' : 'WhatsApp text'} may be at most ${max}`);
  }
  if (options.template !== undefined) problems.push(...validateTemplate(options.template));
  if (options.interactive !== undefined) problems.push(...validateInteractive(options.interactive));
  if (options.location !== undefined) problems.push(...validateLocation(options.location));
  return problems;
}

/** The JSON kinds are sent exactly as given (their own schemas checked them). */
function whatsappFields(options: ContentOptions): ContentFields {
  const fields: ContentFields = {};
  for (const kind of WHATSAPP_KINDS) if (options[kind] !== undefined) fields[kind] = options[kind];
  return fields;
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
    const urls = parseJsonStrings(trimmed);
    if (urls) out.push(...urls);
    else add('media_urls', `'${trimmed}' is not a JSON array of URL strings (e.g. ["https://e.com/a.jpg"])`);
  }
  return out;
}

function parseJsonStrings(json: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) && parsed.every((url): url is string => typeof url === 'string') ? parsed : undefined;
}
