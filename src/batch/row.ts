/**
 * One CSV row → one message (pure). Columns named like API fields set that field for their row;
 * flags and config are the defaults; the `--text` template's `{{column}}` placeholders are filled
 * from the row. Rules (README, "Batch sends"):
 * - a blank cell in an API-field column does not override: the default applies to that row;
 * - a `text` cell is used as it is (no placeholders filled, not trimmed);
 * - `--dst '{{Phone}}'` takes the destination from any column, filled like the text template;
 * - a placeholder whose cell is blank makes the row invalid: a message is never sent with a hole
 *   where a name or a code should be (a placeholder with no column at all stops the batch);
 * - a row with more or fewer cells than the header is invalid (not a crash);
 * - with --skip-duplicates, a row whose message repeats an earlier row's is invalid.
 */
import type { Problem } from '../core/problems.js';
import { buildMessage, type BuiltMessage, type MessageOptions } from '../core/message.js';
import { parseJsonText } from '../core/whatsapp.js';
import { bindTemplate, compileTemplate, type Template } from './template.js';
import { DuplicateIndex } from './duplicates.js';

type FieldKey = Exclude<keyof MessageOptions, 'type' | 'smartEncoding' | 'numbers'>;

/** CSV column name (the API's JSON key) → message option. */
const FIELD_OF_COLUMN: Record<string, FieldKey> = {
  dst: 'dst',
  text: 'text',
  src: 'src',
  powerpack_uuid: 'powerpackUuid',
  media_urls: 'mediaUrls',
  media_ids: 'mediaIds',
  url: 'url',
  method: 'method',
  log: 'log',
  trackable: 'trackable',
  message_expiry: 'messageExpiry',
  dlt_entity_id: 'dltEntityId',
  dlt_template_id: 'dltTemplateId',
  dlt_template_category: 'dltTemplateCategory',
  template: 'template',
  interactive: 'interactive',
  location: 'location',
};

export interface RowSpec {
  header: string[];
  defaults: MessageOptions;
  /** API-field columns other than `text`, in header order. */
  fields: Array<{ index: number; column: string; field: FieldKey }>;
  dstIndex: number;
  textIndex: number;
  template: Template | undefined;
  templateIndices: Int32Array;
  /** `--dst` with placeholders, filled per row (when the row has no `dst` cell of its own). */
  dstTemplate: Template | undefined;
  dstIndices: Int32Array;
  /** --skip-duplicates: the messages seen so far in this pass. */
  duplicates: DuplicateIndex | undefined;
}

export type SpecResult = { ok: true; spec: RowSpec } | { ok: false; problems: Problem[] };

/**
 * Checks the header once. Problems here concern every row (a duplicated field column, no `dst`
 * or sender anywhere, an SMS with no text anywhere, a placeholder naming no column), so they stop
 * the batch, all listed together, before anything is sent.
 */
export function compileRowSpec(
  rawHeader: readonly string[],
  defaults: MessageOptions,
  template: Template | undefined,
  { skipDuplicates = false } = {},
): SpecResult {
  const header = rawHeader.map((name) => name.trim());
  const problems: Problem[] = [];
  const fields: RowSpec['fields'] = [];
  const seen = new Map<string, number>();
  let dstIndex = -1;
  let textIndex = -1;
  header.forEach((name, index) => {
    const key = name.toLowerCase();
    const field = FIELD_OF_COLUMN[key];
    if (field === undefined) return;
    if (seen.has(key)) {
      problems.push({ field: 'csv', message: `the header has two '${key}' columns (columns ${seen.get(key)! + 1} and ${index + 1}); keep one` });
      return;
    }
    seen.set(key, index);
    if (field === 'text') textIndex = index;
    else {
      if (field === 'dst') dstIndex = index;
      fields.push({ index, column: key, field });
    }
  });
  const dstTemplate = compileDstTemplate(defaults.dst, problems);
  problems.push(
    ...placeholderProblems(
      [
        ['text', template],
        ['dst', dstTemplate],
      ],
      header,
    ),
  );
  if (dstIndex < 0 && (defaults.dst === undefined || defaults.dst.length === 0)) {
    problems.push({
      field: 'csv',
      message: `no 'dst' column (the header is: ${describeHeader(header)}); add one with the destination numbers, or give --dst for every row (--dst '{{column}}' names another column)`,
    });
  }
  if (defaults.type === 'sms' && textIndex < 0 && template === undefined) {
    problems.push({ field: 'text', message: "SMS needs text: give --text 'Hi {{name}}' (placeholders are filled from each row) or add a 'text' column" });
  }
  const sender = senderProblem(defaults, seen);
  if (sender) problems.push(sender);
  if (problems.length === 0) problems.push(...defaultProblems(defaults, seen, template !== undefined || textIndex >= 0));
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    spec: {
      header,
      defaults,
      fields,
      dstIndex,
      textIndex,
      template,
      templateIndices: template ? bindTemplate(template, header) : new Int32Array(0),
      dstTemplate,
      dstIndices: dstTemplate ? bindTemplate(dstTemplate, header) : new Int32Array(0),
      duplicates: skipDuplicates ? new DuplicateIndex() : undefined,
    },
  };
}

/** `--dst` values holding `{{…}}`: one template for them all (joined with `<`, as Plivo joins numbers). */
function compileDstTemplate(dst: readonly string[] | undefined, problems: Problem[]): Template | undefined {
  if (dst === undefined || !dst.some((d) => d.includes('{{'))) return undefined;
  const compiled = compileTemplate(dst.join('<'));
  if (compiled.ok) return compiled.template;
  problems.push({ field: 'dst', message: compiled.problem });
  return undefined;
}

/** A placeholder naming no column (or an ambiguous one) could be filled in no row. */
function placeholderProblems(templates: Array<[string, Template | undefined]>, header: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const ambiguous = new Set<string>();
  for (const [field, template] of templates) {
    for (const name of new Set(template?.names)) {
      const count = header.filter((h) => h === name).length;
      if (count === 0)
        problems.push({
          field,
          message: `{{${name}}} names no column of the CSV (columns: ${describeHeader(header)}); fix the placeholder or add a '${name}' column`,
        });
      if (count > 1 && !ambiguous.has(name)) {
        ambiguous.add(name);
        problems.push({ field: 'csv', message: `the header has ${count} '${name}' columns, so {{${name}}} is ambiguous; rename one` });
      }
    }
  }
  return problems;
}

/** No sender in the options and no column to give one: no row could be sent. */
function senderProblem(defaults: MessageOptions, columns: ReadonlyMap<string, number>): Problem | undefined {
  const given = (value: string | undefined) => value !== undefined && value.trim() !== '';
  if (defaults.type === 'whatsapp') {
    if (given(defaults.src) || columns.has('src')) return undefined;
    return { field: 'src', message: "no sender: WhatsApp needs --src <the WhatsApp-enabled number> (or src in .plivorc, or a 'src' column)" };
  }
  if (given(defaults.src) || given(defaults.powerpackUuid) || columns.has('src') || columns.has('powerpack_uuid')) return undefined;
  return {
    field: 'src',
    message: "no sender: pass --src <number or sender ID> or --powerpack-uuid <uuid>, set src in .plivorc, or add a 'src' or 'powerpack_uuid' column",
  };
}

/**
 * Problems of the defaults (flags, config) that no row can fix: a bad value of a field no column
 * sets (`--src 'My Shop'`, `--url ftp://x`) would make every row invalid, so the run stops up front
 * instead. The defaults are built once with a stand-in destination (and text, when rows give it);
 * a problem counts only for fields no column of the CSV can set.
 */
function defaultProblems(defaults: MessageOptions, columns: ReadonlyMap<string, number>, textFromRows: boolean): Problem[] {
  const probe = buildMessage({ ...defaults, dst: [STAND_IN_DST], text: textFromRows ? 'x' : defaults.text });
  if (probe.ok) return [];
  // Fields a row can set, besides its own column: the other of a group (either sender; for
  // WhatsApp any kind of content, e.g. a template column where the defaults have no text).
  const settable = (field: string): boolean => field === 'dst' || columns.has(field) || (field === 'text' && textFromRows);
  const groups = [SENDERS, ...(defaults.type === 'whatsapp' ? [WHATSAPP_CONTENT] : [MEDIA])];
  return probe.problems.filter((p) => {
    const key = p.field.split(/[.[]/)[0]!;
    return !settable(key) && !groups.some((group) => group.includes(key) && group.some(settable));
  });
}

const SENDERS = ['src', 'powerpack_uuid'];
const MEDIA = ['media_urls', 'media_ids'];
const WHATSAPP_CONTENT = ['text', 'media_urls', 'template', 'interactive', 'location'];

/** A destination for checking the defaults alone (rows bring their own). */
const STAND_IN_DST = '14155550199';

function describeHeader(header: readonly string[]): string {
  const shown = header.slice(0, 12).map((h) => (h === '' ? '(blank)' : h));
  return shown.join(', ') + (header.length > 12 ? `, … (${header.length} columns)` : '');
}

export type PreparedRow =
  | { ok: true; row: number; message: BuiltMessage }
  | {
      ok: false;
      row: number;
      problems: Problem[];
      /** the row's dst as written, for results */
      dst: string;
      /** --skip-duplicates: the earlier row this one repeats. */
      duplicateOf?: number;
      /** --suppress: every destination of the row is on a suppression list; reported `suppressed`, not invalid. */
      suppressed?: boolean;
      /**
       * --suppress: the message the row would be without the lists, so that a resume can still
       * check it against the journal (a number suppressed after its row went out stays sent).
       */
      unsuppressed?: BuiltMessage;
    };

/** Renders one data row (`row` is 1-based) into a message, or the list of its problems. */
export function prepareRow(spec: RowSpec, row: number, cells: readonly string[]): PreparedRow {
  const dstCell = spec.dstIndex >= 0 ? (cells[spec.dstIndex] ?? '') : (spec.defaults.dst ?? []).join('<');
  if (cells.length !== spec.header.length) {
    const message = `the row has ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'} but the header has ${spec.header.length} columns (a missing or extra separator, or an unquoted separator in a value?)`;
    return { ok: false, row, problems: [{ field: 'csv', message }], dst: dstCell };
  }
  const options: MessageOptions = { ...spec.defaults };
  const problems: Problem[] = [];

  for (const { index, column, field } of spec.fields) {
    const cell = cells[index]!;
    if (cell.trim() === '') continue;
    switch (field) {
      case 'dst':
      case 'mediaUrls':
      case 'mediaIds':
        options[field] = [cell];
        break;
      case 'template':
      case 'interactive':
      case 'location': {
        const parsed = parseJsonText(cell, column);
        if (parsed.ok) options[field] = parsed.value;
        else problems.push(parsed.problem);
        break;
      }
      case 'src':
        // src and powerpack_uuid are one choice: the row's own decides over the defaults'.
        options.src = cell;
        options.powerpackUuid = undefined;
        break;
      case 'powerpackUuid':
        options.powerpackUuid = cell;
        options.src = undefined;
        break;
      default:
        options[field] = cell;
    }
  }

  let dst = dstCell;
  if (spec.dstTemplate !== undefined && (spec.dstIndex < 0 || dstCell.trim() === '')) {
    dst = fillTemplate(spec.dstTemplate, spec.dstIndices, cells, 'dst', problems);
    options.dst = [dst];
  }
  const textCell = spec.textIndex >= 0 ? cells[spec.textIndex]! : '';
  if (textCell !== '') options.text = textCell;
  else if (spec.template !== undefined) options.text = fillTemplate(spec.template, spec.templateIndices, cells, 'text', problems);

  const built = buildMessage(options);
  if (!built.ok) {
    if (built.suppressed) {
      const unsuppressed = buildMessage({ ...options, numbers: { ...options.numbers!, suppressed: undefined } });
      return {
        ok: false,
        row,
        problems: built.problems,
        dst: built.suppressed.map((s) => s.number).join('<'),
        suppressed: true,
        ...(unsuppressed.ok ? { unsuppressed: unsuppressed.message } : {}),
      };
    }
    return { ok: false, row, problems: problems.concat(built.problems), dst };
  }
  if (problems.length > 0) return { ok: false, row, problems, dst };
  const first = spec.duplicates?.firstRowOf(built.message, row) ?? 0;
  if (first !== 0) return { ok: false, row, problems: [{ field: '', message: `duplicate of row ${first} (--skip-duplicates)` }], dst, duplicateOf: first };
  return { ok: true, row, message: built.message };
}

/** The template with each placeholder's cell; a blank cell is a `field` problem (never sent blank). */
function fillTemplate(template: Template, indices: Int32Array, cells: readonly string[], field: string, problems: Problem[]): string {
  const { literals, names } = template;
  let text = literals[0]!;
  for (let i = 0; i < names.length; i++) {
    const value = cells[indices[i]!]!;
    if (value.trim() === '') problems.push({ field, message: `{{${names[i]}}} is blank in this row; fill the '${names[i]}' cell or remove the row` });
    else text += value;
    text += literals[i + 1]!;
  }
  return text;
}

/** `field: message; field: message`, the one-line form of a row's problems. */
export function describeProblems(problems: readonly Problem[]): string {
  let text = '';
  for (let i = 0; i < problems.length; i++) {
    const { field, message } = problems[i]!;
    // A problem of the whole row (a repeat) has no field to name.
    text += `${i > 0 ? '; ' : ''}${field === '' ? '' : `${field}: `}${message}`;
  }
  return text;
}

/** Billing units of one message: SMS segments × destinations; one per destination otherwise. */
export function unitsOf(message: BuiltMessage): number {
  if (message.body.type === 'sms') return (message.count?.segments ?? 0) * message.destinations.length;
  return message.destinations.length;
}

/** The plan's unit bucket: SMS by encoding, MMS and WhatsApp by type. */
export function unitKind(message: BuiltMessage): string {
  if (message.body.type === 'sms') return message.count?.encoding ?? 'GSM-7';
  return message.body.type === 'mms' ? 'MMS' : 'WhatsApp';
}
