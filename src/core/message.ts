/**
 * The Send Message body (its type, keys in the order Plivo documents them), and `buildMessage`,
 * which turns loosely typed options (flags, config, CSV cells) into the exact JSON body Plivo
 * receives, or the full list of problems.
 */
import type { Problem } from './problems.js';
import type { SegmentCount } from './encoding.js';
import { isHttpUrl } from './url.js';
import { CALLBACK_METHODS, DLT_CATEGORIES, LOG_VALUES, MESSAGE_EXPIRY_MAX, MESSAGE_EXPIRY_MIN, type MessageType } from './fields.js';
import type { MessageOptions } from './message/options.js';
import { checkSender } from './message/sender.js';
import { checkDestinations } from './message/destinations.js';
import { prepareText } from './message/text.js';
import { checkContent, type ContentFields } from './message/content.js';
import { checkDelivery, type DeliveryFields } from './message/delivery.js';

export * from './fields.js';
export type { MessageOptions } from './message/options.js';

export interface MessageBody {
  src?: string | undefined;
  powerpack_uuid?: string | undefined;
  dst: string;
  text?: string | undefined;
  type: MessageType;
  media_urls?: string[] | undefined;
  media_ids?: string[] | undefined;
  template?: unknown;
  interactive?: unknown;
  location?: unknown;
  url?: string | undefined;
  method?: (typeof CALLBACK_METHODS)[number] | undefined;
  log?: (typeof LOG_VALUES)[number] | undefined;
  trackable?: boolean | undefined;
  message_expiry?: number | undefined;
  dlt_entity_id?: string | undefined;
  dlt_template_id?: string | undefined;
  dlt_template_category?: (typeof DLT_CATEGORIES)[number] | undefined;
}

/** The content's and the delivery's keys, in the order Plivo documents them. */
const CONTENT_KEYS = ['media_urls', 'media_ids', 'template', 'interactive', 'location'] as const satisfies ReadonlyArray<keyof ContentFields>;
const DELIVERY_KEYS = [
  'url',
  'method',
  'log',
  'trackable',
  'message_expiry',
  'dlt_entity_id',
  'dlt_template_id',
  'dlt_template_category',
] as const satisfies ReadonlyArray<keyof DeliveryFields>;

export interface BuiltMessage {
  body: MessageBody;
  destinations: string[];
  /** The country of each destination (ISO 3166-1 alpha-2; undefined when the metadata cannot place it). */
  countries: Array<string | undefined>;
  /** Segment count of `body.text` (SMS billing units; informative for mms/whatsapp). */
  count: SegmentCount | undefined;
  /** Look-alike characters replaced by `--smart-encoding`. */
  replaced: Array<{ from: string; to: string }>;
}

export type BuildResult =
  | { ok: true; message: BuiltMessage }
  /** `suppressed`: every destination is on a --suppress list (the only problem): never sent, not an error of the input. */
  | { ok: false; problems: Problem[]; suppressed?: Array<{ number: string; list: string }> };

/**
 * Each part checks and fills its own fields; the schema then checks the assembled body's shapes
 * and enums once, and its output is the body sent. Problems come in the order of the parts.
 */
export function buildMessage(options: MessageOptions): BuildResult {
  const sender = checkSender(options);
  const destinations = checkDestinations(options.dst, sender.fields.src, options.numbers);
  const text = prepareText(options);
  const content = checkContent(options, text);
  const delivery = checkDelivery(options);
  const problems: Problem[] = [];
  for (const part of [sender, destinations, text, content, delivery]) if (part.problems.length > 0) problems.push(...part.problems);
  problems.push(...valueProblems(content.fields.media_urls, delivery.fields));
  // Keys in the order Plivo documents them: the body keeps it, so dry runs read naturally.
  const body: Record<string, unknown> = {};
  if (sender.fields.src !== undefined) body.src = sender.fields.src;
  if (sender.fields.powerpack_uuid !== undefined) body.powerpack_uuid = sender.fields.powerpack_uuid;
  body.dst = destinations.fields.dst;
  if (text.fields.text !== undefined) body.text = text.fields.text;
  body.type = options.type;
  for (const key of CONTENT_KEYS) if (content.fields[key] !== undefined) body[key] = content.fields[key];
  for (const key of DELIVERY_KEYS) if (delivery.fields[key] !== undefined) body[key] = delivery.fields[key];
  if (destinations.suppressed.length > 0 && destinations.problems.length === 0 && destinations.destinations.length === 0) {
    const shown = destinations.suppressed.map((s) => `${s.number} is on the suppression list ${s.list}`).join('; ');
    return { ok: false, problems: [{ field: 'dst', message: `${shown}: not sent` }], suppressed: destinations.suppressed };
  }
  if (problems.length > 0) return { ok: false, problems: dedupeProblems(problems) };
  return {
    ok: true,
    message: {
      body: body as unknown as MessageBody,
      destinations: destinations.destinations,
      countries: destinations.countries,
      count: text.count,
      replaced: text.replaced,
    },
  };
}

const HTTP_URL = 'must be an absolute http:// or https:// URL';

/**
 * What the parts leave to one check of the assembled body: URLs and the values Plivo takes from a
 * fixed list (the parts trim and case them first). In the body's key order.
 */
function valueProblems(mediaUrls: readonly string[] | undefined, delivery: DeliveryFields): Problem[] {
  const problems: Problem[] = [];
  mediaUrls?.forEach((url, i) => {
    if (!isHttpUrl(url)) problems.push({ field: `media_urls.${i}`, message: HTTP_URL });
  });
  const { url, method, log, message_expiry: expiry, dlt_template_category: category } = delivery;
  if (url !== undefined && !isHttpUrl(url)) problems.push({ field: 'url', message: HTTP_URL });
  if (method !== undefined && !oneOf(CALLBACK_METHODS, method)) problems.push({ field: 'method', message: 'must be GET or POST' });
  if (log !== undefined && !oneOf(LOG_VALUES, log)) problems.push({ field: 'log', message: `'${log}' is not allowed: use one of ${LOG_VALUES.join(', ')}` });
  if (expiry !== undefined && !(Number.isInteger(expiry) && expiry >= MESSAGE_EXPIRY_MIN && expiry <= MESSAGE_EXPIRY_MAX)) {
    problems.push({
      field: 'message_expiry',
      message: `must be between ${MESSAGE_EXPIRY_MIN} and ${MESSAGE_EXPIRY_MAX} seconds (Plivo's default is 10800, 3 hours; omit it to use that)`,
    });
  }
  if (category !== undefined && !oneOf(DLT_CATEGORIES, category))
    problems.push({ field: 'dlt_template_category', message: `must be one of ${DLT_CATEGORIES.join(', ')}` });
  return problems;
}

function oneOf(values: readonly string[], value: string): boolean {
  return values.includes(value);
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
