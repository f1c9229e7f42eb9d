/**
 * `--suppress <path>`: numbers that are never sent to (opt-outs, complaints, STOP replies).
 * A file is one of three forms, told apart by its first line that is not blank or a `#` comment:
 * - the `--results` of an earlier batch (JSON Lines starting with `{`, or a CSV whose header has
 *   `row` and `status`): its rows whose message failed with Plivo's error 200 (the recipient sent
 *   STOP), as `report --out` records them in `error_code`;
 * - a CSV with a `dst` column (a header line holding `,`, `;` or a tab): every row's dst;
 * - otherwise a list: one number per line, in any form `--dst` takes, `#` starting a comment.
 * Numbers are read like destinations (`--country` for national numbers), so `(415) 555-0103`
 * in the list suppresses `+1 415 555 0103` in the CSV. A line that is no phone number at all
 * stops the run before anything is sent, naming the file and the line.
 * Memory: a sorted Float64Array (8 bytes a number: E.164 has at most 15 digits, exact in a double).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError, describeSystemError, ExitCode } from '../errors.js';
import { plural } from '../core/format.js';
import { readNumber, type NumberRules } from '../core/phone.js';
import { invalidUtf8Offset } from '../core/text-decoding.js';
import { openCsvRows } from './csv.js';

/** Plivo's delivery error for a recipient who opted out (replied STOP). */
const STOP_ERROR_CODE = '200';

class SuppressError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalid, code: 'suppress', hint });
  }
}

type FileKind = 'list' | 'csv' | 'results-jsonl' | 'results-csv';

interface SuppressionFile {
  path: string;
  kind: FileKind;
  numbers: NumberSet;
}

/** The numbers of every `--suppress` file; `sourceOf` says which file holds a number. */
export class SuppressionList {
  constructor(readonly files: readonly SuppressionFile[]) {}

  /** The file (its name) that suppresses `number` (E.164 digits), or undefined. */
  sourceOf(number: string): string | undefined {
    for (const file of this.files) if (file.numbers.has(number)) return basename(file.path);
    return undefined;
  }

  /** How many distinct numbers each file holds, for the plan. */
  describe(): string {
    return this.files.map((f) => `${basename(f.path)} (${plural(f.numbers.size, 'number')}${describeKind(f.kind)})`).join(', ');
  }
}

function describeKind(kind: FileKind): string {
  switch (kind) {
    case 'list':
      return '';
    case 'csv':
      return ' from its dst column';
    default:
      return " that replied STOP (error 200) in an earlier run's results";
  }
}

/** Reads every file; any problem stops the run (exit 1) before anything is sent. */
export async function loadSuppressionList(paths: readonly string[], rules: NumberRules): Promise<SuppressionList> {
  const files: SuppressionFile[] = [];
  for (const path of paths) files.push(await loadFile(path, rules));
  return new SuppressionList(files);
}

async function loadFile(path: string, rules: NumberRules): Promise<SuppressionFile> {
  const numbers = new NumberSet();
  // Read like a destination, so that a national number without --country is refused here as it
  // would be in --dst (rather than kept under a foreign reading that matches nothing). A number
  // with its country code that the metadata does not know is still kept: someone may have to
  // never be sent to it.
  const add = (raw: string, where: string): void => {
    let result = readNumber(raw, { country: rules.country, check: true });
    if (!result.ok && /^\s*(\+|00)/.test(raw)) result = readNumber(raw, { country: rules.country, check: false });
    if (!result.ok) {
      const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
      throw new SuppressError(
        `--suppress ${path}, ${where}: ${result.problem.replace(raw.trim(), shown.trim())}.`,
        result.hint ?? 'Fix or remove that line (a # starts a comment), or give --country for national numbers.',
      );
    }
    numbers.add(result.number);
  };
  const kind = await detectKind(path);
  if (kind === 'list') await readList(path, add);
  else if (kind === 'results-jsonl') await readJsonResults(path, add);
  else await readCsv(path, kind, add);
  numbers.seal();
  return { path, kind, numbers };
}

/** The form of the file, from its first line that is not blank or a comment. */
async function detectKind(path: string): Promise<FileKind> {
  let head: string;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(path, error);
  }
  const first = head
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  if (first === undefined) return 'list';
  if (first.startsWith('{')) return 'results-jsonl';
  if (!/[,;\t]/.test(first)) return 'list';
  const columns = first.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  if (columns.includes('row') && columns.includes('status')) return 'results-csv';
  if (columns.includes('dst')) return 'csv';
  throw new SuppressError(
    `--suppress ${path}: its first line looks like a CSV header (${first.slice(0, 80)}) but has no 'dst' column.`,
    "Name the column of numbers 'dst', or give a plain list: one number per line.",
  );
}

function unreadable(path: string, error: unknown): SuppressError {
  return new SuppressError(`--suppress ${path}: cannot read it: ${describeSystemError(error)}.`, 'Check the path (one --suppress per file).');
}

/** Calls `each(line, lineNumber)` for every line, decoding UTF-8 strictly. */
async function eachLine(path: string, each: (line: string, number: number) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let rest = '';
  let lineNumber = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      let text: string;
      try {
        text = rest + decoder.decode(chunk as Buffer, { stream: true });
      } catch {
        const bytes = chunk as Buffer;
        const bad = Math.max(0, invalidUtf8Offset(bytes, false));
        const line = lineNumber + 1 + countLines(rest) + countLines(bytes.subarray(0, bad).toString('latin1'));
        throw new SuppressError(`--suppress ${path}: line ${line} is not valid UTF-8.`, 'Save the file as UTF-8.');
      }
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        each(text.slice(start, nl), ++lineNumber);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.decode();
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof TypeError) throw new SuppressError(`--suppress ${path}: line ${lineNumber + 1} is not valid UTF-8.`, 'Save the file as UTF-8.');
    throw unreadable(path, error);
  }
  if (rest !== '') each(rest, ++lineNumber);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function readList(path: string, add: (raw: string, where: string) => void): Promise<void> {
  await eachLine(path, (line, number) => {
    const hash = line.indexOf('#');
    const value = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (value !== '') add(value, `line ${number}`);
  });
}

/**
 * The numbers of one results row that replied STOP: its `stopped` field (written by `report --out`,
 * each message's own number), else a row to one number whose error_code is 200.
 */
function stoppedNumbers(dst: string, code: string, stopped: string): string[] {
  if (stopped.trim() !== '') return stopped.split('<').filter((d) => d.trim() !== '');
  const numbers = dst.split('<').filter((d) => d.trim() !== '');
  const codes = code.trim() === '' ? [] : code.trim().split(/\s+/);
  if (numbers.length === 1) return codes.length > 0 && codes.every((c) => c === STOP_ERROR_CODE) ? numbers : [];
  // Several numbers and one code per message, in the order of message_uuid.
  return codes.length === numbers.length ? numbers.filter((_, i) => codes[i] === STOP_ERROR_CODE) : [];
}

/** A --results file as the batch wrote it has no delivery outcome: only `report --out` adds one. */
function noOutcomes(path: string): SuppressError {
  return new SuppressError(
    `--suppress ${path}: this --results file has no delivery outcomes (no error_code column), so it names no recipient who replied STOP.`,
    `Add them first: plivo-send report --results ${path} --fetch --out <new file>, then --suppress <new file>.`,
  );
}

async function readJsonResults(path: string, add: (raw: string, where: string) => void): Promise<void> {
  let outcomes = false;
  await eachLine(path, (line, number) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new SuppressError(`--suppress ${path}, line ${number}: not a JSON object (the file starts like a --results file in JSON Lines).`);
    }
    if (typeof row !== 'object' || row === null || !('status' in row) || !('dst' in row)) {
      throw new SuppressError(
        `--suppress ${path}, line ${number}: not a row of a --results file (it needs dst and status).`,
        'Give the --results file of an earlier batch, a CSV with a dst column, or a list of numbers.',
      );
    }
    const { dst, error_code: code, stopped } = row as { dst: unknown; error_code?: unknown; stopped?: unknown };
    if ('error_code' in row || 'stopped' in row) outcomes = true;
    const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
    for (const n of stoppedNumbers(text(dst), text(code), text(stopped))) add(n, `line ${number}`);
  });
  if (!outcomes) throw noOutcomes(path);
}

async function readCsv(path: string, kind: FileKind, add: (raw: string, where: string) => void): Promise<void> {
  let source;
  try {
    source = createReadStream(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  const rows = await openCsvRows(source, path);
  try {
    const header = rows.header.map((h) => h.trim().toLowerCase());
    const dst = header.indexOf('dst');
    const code = header.indexOf('error_code');
    const stopped = header.indexOf('stopped');
    if (dst < 0) throw new SuppressError(`--suppress ${path}: the CSV has no 'dst' column.`);
    if (kind === 'results-csv' && code < 0 && stopped < 0) throw noOutcomes(path);
    for (let row = 1; ; row++) {
      const cells = await rows.next();
      if (cells === undefined) break;
      const numbers =
        kind === 'results-csv'
          ? stoppedNumbers(cells[dst] ?? '', code < 0 ? '' : (cells[code] ?? ''), stopped < 0 ? '' : (cells[stopped] ?? ''))
          : (cells[dst] ?? '').split('<').filter((part) => part.trim() !== '');
      for (const part of numbers) add(part, `row ${row}`);
    }
  } finally {
    rows.close();
  }
}

/** A compact set of E.164 numbers: appended, then sorted once; looked up by binary search. */
class NumberSet {
  private values = new Float64Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  add(number: string): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = Number(number);
  }

  /** Sorts and drops repeats; the set is read-only afterwards. */
  seal(): void {
    const sorted = this.values.subarray(0, this.length).sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
    this.values = sorted.slice(0, n);
    this.length = n;
  }

  has(number: string): boolean {
    const x = Number(number);
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.values[mid]!;
      if (v === x) return true;
      if (v < x) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
