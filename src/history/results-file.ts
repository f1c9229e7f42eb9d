/**
 * Reading a batch's `--results` file back (batch/results.ts writes it): JSON Lines, or CSV when
 * the path ends in .csv. Rows are streamed, so a file of millions of rows costs little memory.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { openCsvRows } from '../batch/csv.js';
import { CliError, ExitCode, describeSystemError } from '../errors.js';

export interface ResultRow {
  /** The row as read: its fields in their order (CSV cells as strings). */
  fields: Record<string, unknown>;
  status: string;
  /** The message uuids of the row (none when it was not sent). */
  uuids: string[];
}

export function isCsvPath(path: string): boolean {
  return path.toLowerCase().endsWith('.csv');
}

function notOurs(path: string, why: string): CliError {
  return new CliError(`${basename(path)} is not a results file of plivo-send: ${why}.`, {
    exitCode: ExitCode.invalid,
    code: 'not_results_file',
    hint: 'Give --results the file a batch send wrote with --results <path> (JSON Lines, or CSV for .csv); a --journal or the input CSV will not do.',
    details: { path },
  });
}

export function unreadable(path: string, error: unknown, flag: string): CliError {
  return new CliError(`Cannot read ${flag} ${path}: ${describeSystemError(error)}.`, {
    exitCode: ExitCode.invalid,
    code: 'unreadable',
    hint: `Check the path given to ${flag}.`,
  });
}

function uuidsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((u): u is string => typeof u === 'string' && u !== '');
  if (typeof value === 'string') return value.split(/\s+/).filter((u) => u !== '');
  return [];
}

/** The header of a CSV results file (known once the first row is read), for writing it again. */
export interface ResultsSource {
  rows: AsyncGenerator<ResultRow>;
  /** CSV only: the columns, in order. */
  columns: string[] | undefined;
}

export async function openResults(path: string): Promise<ResultsSource> {
  return isCsvPath(path) ? openCsvResults(path) : { rows: readJsonResults(path), columns: undefined };
}

async function openCsvResults(path: string): Promise<ResultsSource> {
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(unreadable(path, error, '--results')));
  });
  const csv = await openCsvRows(stream, basename(path));
  const header = csv.header.map((h) => h.trim());
  if (!header.includes('row') || !header.includes('status')) {
    csv.close();
    throw notOurs(path, `its header (${header.slice(0, 6).join(', ')}) has no 'row' and 'status' columns`);
  }
  async function* rows(): AsyncGenerator<ResultRow> {
    try {
      for (let cells = await csv.next(); cells !== undefined; cells = await csv.next()) {
        const fields: Record<string, unknown> = {};
        header.forEach((name, i) => (fields[name] = cells[i] ?? ''));
        yield { fields, status: String(fields.status), uuids: uuidsOf(fields.message_uuid) };
      }
    } finally {
      csv.close();
    }
  }
  return { rows: rows(), columns: header };
}

async function* readJsonResults(path: string): AsyncGenerator<ResultRow> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  let first = true;
  try {
    for await (const line of lines) {
      number++;
      if (line.trim() === '') continue;
      let fields: unknown;
      try {
        fields = JSON.parse(line);
      } catch {
        if (first) throw notOurs(path, 'its first line is not JSON (a CSV results file must end in .csv)');
        throw new CliError(`${basename(path)} line ${number} is not JSON: the results file is damaged.`, {
          exitCode: ExitCode.invalid,
          code: 'damaged_results',
          hint: 'Fix or remove that line; every row must be read for the report to be true.',
          details: { path, line: number },
        });
      }
      const o = fields as Record<string, unknown>;
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields) || typeof o.row !== 'number' || typeof o.status !== 'string') {
        if (first) throw notOurs(path, "its first line has no 'row' and 'status' fields");
        throw new CliError(`${basename(path)} line ${number} is not a result row (no 'row' and 'status').`, {
          exitCode: ExitCode.invalid,
          code: 'damaged_results',
          hint: 'Fix or remove that line; every row must be read for the report to be true.',
          details: { path, line: number },
        });
      }
      first = false;
      yield { fields: o, status: o.status, uuids: uuidsOf(o.message_uuid) };
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unreadable(path, error, '--results');
  } finally {
    lines.close();
    stream.destroy();
  }
}
