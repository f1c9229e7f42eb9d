/** How `messages` shows records: a table for people, CSV for spreadsheets (JSON Lines is Plivo's record as is). */
import { stringify } from 'csv-stringify/sync';
import type { MessageRecord } from '../transport/client.js';
import { recordTime } from '../transport/evidence.js';
import { neutralizeCell } from '../batch/results.js';
import { isErrorCode } from '../core/delivery-errors.js';

const CSV_COLUMNS = [
  'message_time',
  'message_uuid',
  'message_direction',
  'message_type',
  'from_number',
  'to_number',
  'message_state',
  'units',
  'total_rate',
  'total_amount',
  'error_code',
  'error_message',
] as const;

export function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]]);
}

export function csvLine(record: MessageRecord): string {
  return stringify([CSV_COLUMNS.map((column) => neutralizeCell(cell(record[column])))]);
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** `2024-08-21 18:28:49` in the local time zone; Plivo's own text when it cannot be read. */
export function localTime(value: unknown): string {
  const ms = recordTime(value);
  if (ms === undefined) return cell(value);
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Columns of fixed width, so that rows print as their page arrives. */
const COLUMNS: Array<{ title: string; width: number; value: (r: MessageRecord) => string; right?: boolean }> = [
  { title: 'TIME', width: 19, value: (r) => localTime(r.message_time) },
  { title: 'DIR', width: 3, value: (r) => (r.message_direction === 'inbound' ? 'in' : r.message_direction === 'outbound' ? 'out' : cell(r.message_direction)) },
  { title: 'TYPE', width: 8, value: (r) => cell(r.message_type) },
  { title: 'FROM', width: 15, value: (r) => cell(r.from_number) },
  { title: 'TO', width: 15, value: (r) => cell(r.to_number) },
  { title: 'STATE', width: 11, value: (r) => cell(r.message_state) },
  { title: 'UNITS', width: 5, value: (r) => cell(r.units), right: true },
  { title: 'AMOUNT', width: 8, value: (r) => cell(r.total_amount), right: true },
  { title: 'ERROR', width: 5, value: (r) => (isErrorCode(r.error_code) ? r.error_code : '') },
  { title: 'UUID', width: 36, value: (r) => r.message_uuid },
];

function row(cells: string[]): string {
  return cells
    .map((text, i) => {
      const column = COLUMNS[i]!;
      return column.right ? text.padStart(column.width) : text.padEnd(column.width);
    })
    .join('  ')
    .trimEnd();
}

export function tableHeader(): string {
  return row(COLUMNS.map((c) => c.title));
}

export function tableLine(record: MessageRecord): string {
  return row(COLUMNS.map((c) => c.value(record)));
}
