/**
 * WhatsApp content (Plivo's WhatsApp message documentation): zod schemas for Plivo's `template`,
 * `interactive` and `location` objects, validators that report every problem as a dotted path,
 * the JSON reader for `--template/--interactive/--location`, and the `--template-name/--param`
 * shortcut.
 *
 * The objects are sent exactly as the user wrote them: the validators only report problems and
 * never hand back zod's output (loose objects keep unknown keys, but a parse still copies).
 */
import * as z from 'zod';
import { problemsFromZod, type Problem } from './problems.js';
import { isHttpUrl } from './url.js';

/** Limits Meta enforces upstream (Plivo documents none of its own). */
const WHATSAPP_LIMITS = {
  replyButtons: 3,
  buttonTitle: 20,
  buttonId: 256,
  sections: 10,
  rows: 10,
  sectionTitle: 24,
  rowId: 200,
  rowTitle: 24,
  rowDescription: 72,
  body: 1024,
  headerText: 60,
  footerText: 60,
} as const;

const TEMPLATE_COMPONENT_TYPES = ['header', 'body', 'button', 'footer'] as const;
const TEMPLATE_BUTTON_SUB_TYPES = ['url', 'quick_reply'] as const;
const TEMPLATE_PARAMETER_TYPES = ['text', 'media', 'payload', 'currency', 'date_time', 'location'] as const;
const INTERACTIVE_TYPES = ['button', 'list', 'cta_url'] as const;
const INTERACTIVE_HEADER_TYPES = ['text', 'media'] as const;

// ---------------------------------------------------------------------------------------------
// Building blocks. Every zod message names what was expected and what was found, because the
// user reads `field: message` lines, never zod's defaults.

type Ctx = z.core.$RefinementCtx<unknown>;
type Path = Array<string | number>;

/** Object-level checks must also run when a property failed, so that all problems are reported. */
const whenObject = { when: (payload: z.core.ParsePayload) => isRecord(payload.value) };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters as a user sees them (code points), not UTF-16 units. */
function charCount(value: string): number {
  return [...value].length;
}

function quote(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return `the number ${value}`;
    case 'object':
      return 'an object';
    case 'boolean':
      return String(value);
    default:
      // JSON holds nothing else; undefined is a missing value.
      return typeof value;
  }
}

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

/** The message for a value of the wrong type; `missing` is used when the key is absent. */
function typeError(expected: string, missing = 'is required') {
  return {
    error: (iss: { input?: unknown }) => (iss.input === undefined ? missing : `must be ${expected} (got ${describeValue(iss.input)})`),
  };
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, missing?: string) {
  return z.enum(values, typeError(`one of ${values.map((v) => `"${v}"`).join(', ')}`, missing));
}

function object<T extends z.core.$ZodLooseShape>(shape: T, missing?: string) {
  return z.looseObject(shape, typeError('an object', missing));
}

function array<T extends z.core.SomeType>(item: T, missing?: string) {
  return z.array(item, typeError('an array', missing));
}

/** A string field, optionally non-empty and at most `max` characters. */
function text(options: { max?: number; nonEmpty?: boolean; missing?: string } = {}) {
  return z.string(typeError('a string', options.missing)).superRefine((value, ctx) => {
    if (options.nonEmpty && value === '') issue(ctx, [], 'must not be empty');
    const length = charCount(value);
    if (options.max !== undefined && length > options.max) issue(ctx, [], `at most ${options.max} characters (got ${length})`);
  });
}

function httpUrl(missing?: string) {
  return z.string(typeError('a URL string', missing)).superRefine((value, ctx) => {
    if (!isHttpUrl(value)) issue(ctx, [], `must be an absolute http:// or https:// URL (got ${quote(value)})`);
  });
}

// ---------------------------------------------------------------------------------------------
// location

/** A decimal number written as a string: "37.7749", "-122.4194", "+5", ".5". */
function parseDegrees(value: string): number | undefined {
  const trimmed = value.trim();
  return /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : undefined;
}

function coordinate(axis: 'latitude' | 'longitude', limit: number, example: string) {
  const error = (iss: { input?: unknown }) => {
    if (iss.input === undefined) return `is required: the ${axis} in decimal degrees, as a string like "${example}"`;
    // Plivo's shape takes coordinates as strings; a JSON number is the most likely mistake.
    if (typeof iss.input === 'number') return `must be a string like "${example}", not a number: send it as "${iss.input}"`;
    return `must be a string like "${example}" (got ${describeValue(iss.input)})`;
  };
  return z.string({ error }).superRefine((value, ctx) => {
    const degrees = parseDegrees(value);
    if (degrees === undefined) issue(ctx, [], `must be a number in decimal degrees like "${example}" (got ${quote(value)})`);
    else if (Math.abs(degrees) > limit) issue(ctx, [], `must be between -${limit} and ${limit} (got ${value.trim()})`);
  });
}

/**
 * The three schemas, built on first use: a send without WhatsApp JSON never needs them, and
 * building them is a good part of the start-up zod costs.
 */
function makeSchemas() {
  const locationSchema = object({
    latitude: coordinate('latitude', 90, '37.7749'),
    longitude: coordinate('longitude', 180, '-122.4194'),
    name: text({ missing: 'is required: the name of the place' }),
    address: text({ missing: 'is required: the street address of the place' }),
  });

  // ---------------------------------------------------------------------------------------------
  // template

  const amount1000 = z
    .number({
      error: (iss) => {
        if (iss.input === undefined) return 'is required: the amount times 1000 as an integer, e.g. 129900 for 129.90';
        if (typeof iss.input === 'string') return `must be a number, not a string (got ${quote(iss.input)}): the amount times 1000, e.g. 129900 for 129.90`;
        return `must be an integer number (got ${describeValue(iss.input)})`;
      },
    })
    .superRefine((value, ctx) => {
      if (!Number.isInteger(value)) issue(ctx, [], `must be an integer: the amount times 1000, e.g. 129900 for 129.90 (got ${value})`);
    });

  const currencySchema = object({
    fallback_value: text({ missing: 'is required: the amount as shown when the currency cannot be localised, e.g. "$129.90"' }),
    currency_code: z.string(typeError('a string', 'is required: a 3-letter ISO 4217 code like "USD"')).superRefine((value, ctx) => {
      if (!/^[A-Za-z]{3}$/.test(value)) issue(ctx, [], `must be a 3-letter ISO 4217 code like "USD" (got ${quote(value)})`);
    }),
    amount_1000: amount1000,
  });

  const dateTimeSchema = object({
    fallback_value: text({ missing: 'is required: the date as it should be shown, e.g. "June 14, 2025"' }),
  });

  const PARAMETER_EXAMPLES: Record<(typeof TEMPLATE_PARAMETER_TYPES)[number], string> = {
    text: '"text": "Maya"',
    media: '"media": "https://example.com/image.jpg"',
    payload: '"payload": "confirm"',
    currency: '"currency": {"fallback_value": "$129.90", "currency_code": "USD", "amount_1000": 129900}',
    date_time: '"date_time": {"fallback_value": "June 14, 2025"}',
    location: '"location": {"latitude": "37.7749", "longitude": "-122.4194", "name": "…", "address": "…"}',
  };

  const parameterSchema = object({
    type: oneOf(TEMPLATE_PARAMETER_TYPES),
    parameter_name: text({ nonEmpty: true }).optional(),
    text: text().optional(),
    media: httpUrl().optional(),
    payload: text().optional(),
    currency: currencySchema.optional(),
    date_time: dateTimeSchema.optional(),
    location: locationSchema.optional(),
  }).superRefine((value: unknown, ctx: Ctx) => {
    if (!isRecord(value)) return;
    const type = TEMPLATE_PARAMETER_TYPES.find((t) => t === value.type);
    // The value lives under the key named by `type`.
    if (type !== undefined && value[type] === undefined) issue(ctx, [type], `is required for a ${type} parameter, e.g. ${PARAMETER_EXAMPLES[type]}`);
  }, whenObject);

  const componentSchema = object({
    type: oneOf(TEMPLATE_COMPONENT_TYPES),
    sub_type: oneOf(TEMPLATE_BUTTON_SUB_TYPES).optional(),
    index: z
      .string({
        error: (iss) =>
          typeof iss.input === 'number'
            ? `must be a string: quote it, e.g. "index": "${iss.input}"`
            : `must be a string like "0" (got ${describeValue(iss.input)})`,
      })
      .superRefine((value, ctx) => {
        if (!/^\d+$/.test(value)) issue(ctx, [], `must be the button's position as digits, e.g. "0" (got ${quote(value)})`);
      })
      .optional(),
    parameters: array(parameterSchema).optional(),
  }).superRefine((value: unknown, ctx: Ctx) => {
    if (!isRecord(value)) return;
    if (value.type === 'button') {
      if (value.sub_type === undefined) issue(ctx, ['sub_type'], 'is required for a button component: "url" or "quick_reply"');
      if (value.index === undefined) issue(ctx, ['index'], 'is required for a button component: the button\'s position as a string, e.g. "0"');
    }
    // A footer has no variables; every other component exists only to carry parameters.
    if (typeof value.type === 'string' && value.type !== 'footer' && value.parameters === undefined) {
      issue(ctx, ['parameters'], `is required for a ${value.type} component: a list like [{"type": "text", "text": "Maya"}]`);
    }
  }, whenObject);

  const templateSchema = object({
    name: z.string(typeError('a string', 'is required: the approved template\'s name, e.g. "order_shipped"')).superRefine((value, ctx) => {
      if (value === '') issue(ctx, [], 'must not be empty');
      else if (!/^[a-z0-9_]+$/.test(value)) issue(ctx, [], `use lowercase letters, digits and underscores only (got ${quote(value)})`);
    }),
    language: text({ nonEmpty: true, missing: 'is required: the template\'s language code, e.g. "en_US" or "en"' }),
    components: array(componentSchema).optional(),
  });

  // ---------------------------------------------------------------------------------------------
  // interactive

  const headerSchema = object({
    type: oneOf(INTERACTIVE_HEADER_TYPES),
    text: text({ nonEmpty: true, max: L.headerText }).optional(),
    media: httpUrl().optional(),
  }).superRefine((value: unknown, ctx: Ctx) => {
    if (!isRecord(value)) return;
    if (value.type === 'text' && value.text === undefined) issue(ctx, ['text'], `is required when header.type is "text" (at most ${L.headerText} characters)`);
    if (value.type === 'media' && value.media === undefined)
      issue(ctx, ['media'], 'is required when header.type is "media": an https:// URL of an image, video or document');
  }, whenObject);

  const buttonSchema = object({
    id: text({ nonEmpty: true, max: L.buttonId }).optional(),
    title: text({ nonEmpty: true, max: L.buttonTitle, missing: `is required: the button label, at most ${L.buttonTitle} characters` }),
    cta_url: httpUrl().optional(),
  });

  const rowSchema = object({
    id: text({ nonEmpty: true, max: L.rowId, missing: `is required: a unique id for the row, at most ${L.rowId} characters` }),
    title: text({ nonEmpty: true, max: L.rowTitle, missing: `is required: the row's title, at most ${L.rowTitle} characters` }),
    description: text({ max: L.rowDescription }).optional(),
  });

  const sectionSchema = object({
    title: text({ nonEmpty: true, max: L.sectionTitle }).optional(),
    rows: array(rowSchema, 'is required: a list of rows, each {"id", "title"}'),
  });

  const actionSchema = object(
    {
      buttons: array(buttonSchema).optional(),
      sections: array(sectionSchema).optional(),
    },
    'is required: {"buttons": […]}, plus "sections" for a list',
  );

  const interactiveSchema = object({
    type: oneOf(INTERACTIVE_TYPES, 'is required: "button", "list" or "cta_url"'),
    header: headerSchema.optional(),
    body: object({ text: text({ nonEmpty: true, max: L.body }) }, 'is required: {"text": "…"}'),
    footer: object({ text: text({ max: L.footerText }) }).optional(),
    action: actionSchema,
  }).superRefine((value: unknown, ctx: Ctx) => {
    if (!isRecord(value) || !isRecord(value.action)) return;
    if (value.type === 'button') checkReplyButtons(value.action, ctx);
    else if (value.type === 'list') checkList(value.action, ctx);
    else if (value.type === 'cta_url') checkCtaUrl(value.action, ctx);
  }, whenObject);

  /** Rules that depend on `interactive.type`; the action's own schema has already typed its parts. */
  return { location: locationSchema, template: templateSchema, interactive: interactiveSchema };
}

const L = WHATSAPP_LIMITS;

let schemas: ReturnType<typeof makeSchemas> | undefined;
const built = (): ReturnType<typeof makeSchemas> => (schemas ??= makeSchemas());

function checkReplyButtons(action: Record<string, unknown>, ctx: Ctx): void {
  const path = ['action', 'buttons'];
  if (action.buttons === undefined) {
    issue(ctx, path, `is required: a button message needs 1 to ${L.replyButtons} reply buttons, each {"id", "title"}`);
    return;
  }
  if (!Array.isArray(action.buttons)) return;
  const count = action.buttons.length;
  if (count === 0) issue(ctx, path, 'at least 1 reply button (got 0)');
  if (count > L.replyButtons) issue(ctx, path, `at most ${L.replyButtons} reply buttons (got ${count})`);
  const seen = new Map<string, number>();
  action.buttons.forEach((button: unknown, i) => {
    if (!isRecord(button)) return;
    if (button.id === undefined)
      issue(ctx, [...path, i, 'id'], `is required for a reply button: the id your webhook receives, at most ${L.buttonId} characters`);
    if (typeof button.id !== 'string') return;
    const first = seen.get(button.id);
    if (first === undefined) seen.set(button.id, i);
    else issue(ctx, [...path, i, 'id'], `must be unique: ${quote(button.id)} is also the id of action.buttons.${first}`);
  });
}

function checkList(action: Record<string, unknown>, ctx: Ctx): void {
  const buttons = action.buttons;
  if (buttons === undefined || (Array.isArray(buttons) && buttons.length === 0)) {
    issue(
      ctx,
      ['action', 'buttons'],
      `is required: a list needs [{"title": "…"}], the label (at most ${L.buttonTitle} characters) of the button that opens it`,
    );
  }
  const path = ['action', 'sections'];
  if (action.sections === undefined) {
    issue(ctx, path, `is required: a list needs 1 to ${L.sections} sections, each {"title", "rows": [{"id", "title"}]}`);
    return;
  }
  if (!Array.isArray(action.sections)) return;
  const sections: unknown[] = action.sections;
  if (sections.length === 0) issue(ctx, path, 'at least 1 section (got 0)');
  if (sections.length > L.sections) issue(ctx, path, `at most ${L.sections} sections (got ${sections.length})`);
  let rows = 0;
  let rowsKnown = true;
  const seen = new Map<string, string>();
  sections.forEach((section, s) => {
    if (!isRecord(section)) return;
    if (sections.length > 1 && section.title === undefined) {
      issue(ctx, [...path, s, 'title'], `is required when there is more than 1 section (got ${sections.length}); at most ${L.sectionTitle} characters`);
    }
    if (!Array.isArray(section.rows)) {
      rowsKnown = false;
      return;
    }
    rows += section.rows.length;
    section.rows.forEach((row: unknown, r) => {
      if (!isRecord(row) || typeof row.id !== 'string') return;
      // Meta answers the selection with the row id, so ids must be unique across the whole list.
      const first = seen.get(row.id);
      if (first === undefined) seen.set(row.id, `action.sections.${s}.rows.${r}`);
      else issue(ctx, [...path, s, 'rows', r, 'id'], `must be unique: ${quote(row.id)} is also the id of ${first}`);
    });
  });
  if (rowsKnown && sections.length > 0 && rows === 0) issue(ctx, path, 'at least 1 row in total (got 0)');
  if (rows > L.rows) issue(ctx, path, `at most ${L.rows} rows in total across all sections (got ${rows})`);
}

function checkCtaUrl(action: Record<string, unknown>, ctx: Ctx): void {
  const path = ['action', 'buttons'];
  if (action.buttons === undefined) {
    issue(ctx, path, 'is required: a cta_url message needs exactly 1 button, {"title", "cta_url"}');
    return;
  }
  if (!Array.isArray(action.buttons)) return;
  if (action.buttons.length !== 1) issue(ctx, path, `exactly 1 button for a cta_url message (got ${action.buttons.length})`);
  action.buttons.forEach((button: unknown, i) => {
    if (isRecord(button) && button.cta_url === undefined) issue(ctx, [...path, i, 'cta_url'], 'is required: the https:// address the button opens');
  });
}

// ---------------------------------------------------------------------------------------------
// Public API

export type WhatsAppTemplate = z.infer<ReturnType<typeof makeSchemas>['template']>;

function validate(schema: z.ZodType, value: unknown, prefix: string): Problem[] {
  const result = schema.safeParse(value);
  return result.success ? [] : problemsFromZod(result.error.issues, prefix);
}

/** Problems in a `template` object, with fields like `template.components.0.index`. */
export function validateTemplate(value: unknown): Problem[] {
  return validate(built().template, value, 'template');
}

/** Problems in an `interactive` object, with fields like `interactive.action.buttons`. */
export function validateInteractive(value: unknown): Problem[] {
  return validate(built().interactive, value, 'interactive');
}

/** Problems in a `location` object, with fields like `location.latitude`. */
export function validateLocation(value: unknown): Problem[] {
  return validate(built().location, value, 'location');
}

/** The `--template-name/--template-language/--param` shortcut: body text parameters only. */
export function buildTemplate(name: string, language: string, bodyParams: readonly string[]): WhatsAppTemplate {
  const template: WhatsAppTemplate = { name, language };
  if (bodyParams.length > 0) {
    template.components = [{ type: 'body', parameters: bodyParams.map((value) => ({ type: 'text' as const, text: value })) }];
  }
  return template;
}

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; problem: Problem };

/**
 * `JSON.parse` with a message a user can act on: the position as line and column. V8 puts
 * "at position N" in most messages but not in "Unexpected token 'x', "…" is not valid JSON" (it
 * quotes the input instead) nor in "Unexpected end of JSON input"; those are located here.
 */
export function parseJsonText(text: string, field: string): JsonTextResult {
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') return { ok: false, problem: { field, message: 'is empty: expected JSON such as {"key": "value"}' } };
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const quoted = /^(.*?), (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s.exec(raw);
    let reason = quoted?.[1] ?? raw;
    let position: number | undefined;
    let note = '';
    const stated = /\s+(?:in JSON\s+)?at position (\d+)/.exec(reason);
    if (stated?.[1] !== undefined) {
      position = Number(stated[1]);
      reason = reason.slice(0, stated.index); // also drops Node 22's "(line x column y)"
    } else if (!/^Unexpected end of JSON input/.test(reason)) {
      position = locateJsonError(source);
    }
    // The text ended too early: point just after its last character, not at trailing blank lines.
    const end = source.trimEnd().length;
    if (position === undefined ? /^Unexpected end/.test(reason) : position >= end) {
      position = end;
      note = ' (a closing }, ] or " may be missing)';
    }
    const where = position === undefined ? '' : ` at ${lineAndColumn(source, position)}`;
    return { ok: false, problem: { field, message: `is not valid JSON: ${reason}${where}${note}${fileHint(source)}` } };
  }
}

function lineAndColumn(source: string, position: number): string {
  const before = source.slice(0, Math.min(position, source.length));
  const line = before.split('\n').length;
  const column = charCount(before.slice(before.lastIndexOf('\n') + 1)) + 1;
  return `line ${line}, column ${column}`;
}

/** `--template order.json` (without the `@`) is a likely slip: say how to read a file. */
function fileHint(source: string): string {
  const trimmed = source.trim();
  return /^[^\s{}[\]"]+$/.test(trimmed) && /[./\\]/.test(trimmed) && !/^[-+\d]/.test(trimmed)
    ? `; to read a file, prefix its path with @ (e.g. @${trimmed})`
    : '';
}

/** Offset of the first syntax error, from a small JSON scanner; undefined if it finds none. */
function locateJsonError(source: string): number | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < source.length && ' \t\n\r'.includes(source.charAt(i))) i++;
  };
  const scanString = (): boolean => {
    i++; // opening quote
    while (i < source.length) {
      const c = source.charAt(i);
      if (c === '"') {
        i++;
        return true;
      }
      if (c < ' ') return false;
      if (c === '\\') {
        const next = source.charAt(i + 1);
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const scanValue = (): boolean => {
    skipSpace();
    const c = source.charAt(i);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipSpace();
      if (source.charAt(i) === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          skipSpace();
          if (source.charAt(i) !== '"' || !scanString()) return false;
          skipSpace();
          if (source.charAt(i) !== ':') return false;
          i++;
        }
        if (!scanValue()) return false;
        skipSpace();
        if (source.charAt(i) === ',') i++;
        else if (source.charAt(i) === close) {
          i++;
          return true;
        } else return false;
      }
    }
    if (c === '"') return scanString();
    const literal = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
    literal.lastIndex = i;
    const match = literal.exec(source);
    if (!match) return false;
    i += match[0].length;
    return true;
  };
  try {
    if (!scanValue()) return i;
    skipSpace();
    return i < source.length ? i : undefined;
  } catch {
    return undefined; // nesting deep enough to overflow the stack: report without a position
  }
}
