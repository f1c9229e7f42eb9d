/**
 * One CSV row → one message (pure). Columns named like API fields set that field for their row;
 * flags and config are the defaults; the `--text` template's `{{column}}` placeholders are filled
 * from the row. Rules (cli-contract.md, "Batch mode"):
 * - a blank cell in an API-field column does not override: the default applies to that row;
 * - a `text` cell is used as it is (no placeholders filled, not trimmed);
 * - a placeholder whose column is missing, or whose cell is blank, makes the row invalid: a
 *   message is never sent with a hole where a name or a code should be;
 * - a row with more or fewer cells than the header is invalid (not a crash).
 */
import type { Problem } from '../errors.js';
import { buildMessage, type BuiltMessage, type MessageOptions } from '../core/message.js';
import { parseJsonText } from '../core/whatsapp.js';
import { bindTemplate, type Template } from './template.js';

type FieldKey = Exclude<keyof MessageOptions, 'type' | 'smartEncoding'>;

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

export const API_FIELD_COLUMNS = Object.keys(FIELD_OF_COLUMN);

export interface RowSpec {
  header: string[];
  defaults: MessageOptions;
  /** API-field columns other than `text`, in header order. */
  fields: Array<{ index: number; column: string; field: FieldKey }>;
  dstIndex: number;
  textIndex: number;
  template: Template | undefined;
  templateIndices: Int32Array;
  /** Shown in the error of a placeholder with no column. */
  columnList: string;
}

export type SpecResult = { ok: true; spec: RowSpec } | { ok: false; problems: Problem[] };

/**
 * Checks the header once. Problems here concern every row (a duplicated field column, no `dst`
 * anywhere, an SMS with no text anywhere), so they stop the batch before anything is sent.
 */
export function compileRowSpec(rawHeader: readonly string[], defaults: MessageOptions, template: Template | undefined): SpecResult {
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
  if (template) {
    for (const name of new Set(template.names)) {
      const count = header.filter((h) => h === name).length;
      if (count > 1) problems.push({ field: 'csv', message: `the header has ${count} '${name}' columns, so {{${name}}} is ambiguous; rename one` });
    }
  }
  if (dstIndex < 0 && (defaults.dst === undefined || defaults.dst.length === 0)) {
    problems.push({ field: 'csv', message: `no 'dst' column (the header is: ${describeHeader(header)}); add one with the destination numbers, or give --dst for every row` });
  }
  if (defaults.type === 'sms' && textIndex < 0 && template === undefined) {
    problems.push({ field: 'text', message: "SMS needs text: give --text 'Hi {{name}}' (placeholders are filled from each row) or add a 'text' column" });
  }
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
      columnList: describeHeader(header),
    },
  };
}

function describeHeader(header: readonly string[]): string {
  const shown = header.slice(0, 12).map((h) => (h === '' ? '(blank)' : h));
  return shown.join(', ') + (header.length > 12 ? `, … (${header.length} columns)` : '');
}

export type PreparedRow =
  | { ok: true; row: number; message: BuiltMessage }
  | { ok: false; row: number; problems: Problem[]; /** the row's dst cell as written, for results */ dst: string };

/** Renders one data row (`row` is 1-based) into a message, or the list of its problems. */
export function prepareRow(spec: RowSpec, row: number, cells: readonly string[]): PreparedRow {
  const dstCell = spec.dstIndex >= 0 ? (cells[spec.dstIndex] ?? '') : (spec.defaults.dst ?? []).join('<');
  if (cells.length !== spec.header.length) {
    const message = `the row has ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'} but the header has ${spec.header.length} columns (a missing or extra comma, or an unquoted comma in a value?)`;
    return { ok: false, row, problems: [{ field: 'csv', message }], dst: dstCell };
  }
  const options: MessageOptions = { ...spec.defaults };
  let problems: Problem[] | undefined;

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
        else (problems ??= []).push(parsed.problem);
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

  const textCell = spec.textIndex >= 0 ? cells[spec.textIndex]! : '';
  if (textCell !== '') {
    options.text = textCell;
  } else if (spec.template !== undefined) {
    const { literals, names } = spec.template;
    let text = literals[0]!;
    for (let i = 0; i < names.length; i++) {
      const index = spec.templateIndices[i]!;
      const value = index >= 0 ? cells[index]! : undefined;
      if (value === undefined) {
        (problems ??= []).push({ field: 'text', message: `{{${names[i]}}} has no column named '${names[i]}' in the CSV (columns: ${spec.columnList})` });
      } else if (value.trim() === '') {
        (problems ??= []).push({ field: 'text', message: `{{${names[i]}}} is blank in this row; fill the '${names[i]}' cell or remove the row` });
      } else {
        text += value;
      }
      text += literals[i + 1]!;
    }
    options.text = text;
  }

  const built = buildMessage(options);
  if (!built.ok) return { ok: false, row, problems: problems ? problems.concat(built.problems) : built.problems, dst: dstCell };
  if (problems) return { ok: false, row, problems, dst: dstCell };
  return { ok: true, row, message: built.message };
}

/** `field: message; field: message`, the one-line form of a row's problems. */
export function describeProblems(problems: readonly Problem[]): string {
  let text = '';
  for (let i = 0; i < problems.length; i++) text += `${i > 0 ? '; ' : ''}${problems[i]!.field}: ${problems[i]!.message}`;
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
