/**
 * The Send Message body: one zod schema for sms, mms and whatsapp (the single source of the
 * body's type), and `buildMessage`, which turns loosely typed options (flags, config, CSV cells)
 * into the exact JSON body Plivo receives, or the full list of problems.
 */
import { z } from 'zod';
import type { Problem } from './problems.js';
import type { SegmentCount } from './encoding.js';
import { isHttpUrl } from './url.js';
import { CALLBACK_METHODS, DLT_CATEGORIES, LOG_VALUES, MESSAGE_EXPIRY_MAX, MESSAGE_EXPIRY_MIN, MESSAGE_TYPES } from './fields.js';
import type { MessageOptions } from './message/options.js';
import { checkSender } from './message/sender.js';
import { checkDestinations } from './message/destinations.js';
import { prepareText } from './message/text.js';
import { checkContent } from './message/content.js';
import { checkDelivery } from './message/delivery.js';

export * from './fields.js';
export type { MessageOptions } from './message/options.js';

const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL' });

// Keys in the order Plivo documents them: the parsed body keeps it, so dry runs read naturally.
const messageBodySchema = z.object({
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
  // One plain object, keys added once and only when set: spreading five objects with undefined
  // members made zod's parse of every batch row slow and hungry (a third fewer rows a second).
  const draft: Record<string, unknown> = {};
  for (const fields of [sender.fields, destinations.fields, text.fields, { type: options.type }, content.fields, delivery.fields] as Array<
    Record<string, unknown>
  >) {
    for (const key in fields) if (fields[key] !== undefined) draft[key] = fields[key];
  }
  const problems = [sender, destinations, text, content, delivery].flatMap((part) => part.problems);
  const parsed = messageBodySchema.safeParse(draft);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.');
      problems.push({ field, message: describeIssue(field, issue, draft.log as string | undefined) });
    }
  }
  if (destinations.suppressed.length > 0 && destinations.problems.length === 0 && destinations.destinations.length === 0) {
    const shown = destinations.suppressed.map((s) => `${s.number} is on the suppression list ${s.list}`).join('; ');
    return { ok: false, problems: [{ field: 'dst', message: `${shown}: not sent` }], suppressed: destinations.suppressed };
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems: dedupeProblems(problems) };
  return {
    ok: true,
    message: { body: parsed.data, destinations: destinations.destinations, countries: destinations.countries, count: text.count, replaced: text.replaced },
  };
}

function describeIssue(field: string, issue: z.core.$ZodIssue, log: string | undefined): string {
  switch (field) {
    case 'log':
      return `'${String(log)}' is not allowed: use one of ${LOG_VALUES.join(', ')}`;
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
