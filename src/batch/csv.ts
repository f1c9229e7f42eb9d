/**
 * Streaming CSV rows (csv-parse): RFC 4180 quoting, embedded commas and newlines, CRLF, a UTF-8
 * BOM. Rows come one at a time through async iteration, so memory does not grow with the file.
 * A row with the wrong number of cells is passed on (the row becomes invalid, not the batch);
 * broken quoting stops the batch (the parser cannot tell where the row ends), but that is found by
 * the first pass, before anything is sent.
 */
import { pipeline, type Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { CliError, ExitCode } from '../errors.js';

/** One record may not exceed this many characters: an unclosed quote must not swallow the file. */
export const MAX_RECORD_CHARS = 1_000_000;

export class CsvSyntaxError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalid, code: 'csv_syntax', hint });
  }
}

export interface CsvRows {
  header: string[];
  /** The data rows' cells, in order. */
  next(): Promise<string[] | undefined>;
  /** Stops reading (and releases the file) before the end. */
  close(): void;
}

/** Reads the header, then hands out rows. `name` is used in error messages. */
export async function openCsvRows(source: Readable, name: string): Promise<CsvRows> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    // Explicit, so that a file mixing LF and CRLF (rows appended by another tool) still parses:
    // csv-parse would otherwise fix the delimiter from the first line and reject the others.
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  pipeline(source, parser, () => undefined);
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const next = async (): Promise<string[] | undefined> => {
    try {
      const step = await iterator.next();
      return step.done ? undefined : step.value;
    } catch (error) {
      throw describeCsvError(error, name);
    }
  };
  const header = await next();
  if (header === undefined) {
    throw new CsvSyntaxError(`${name} is empty: a batch CSV starts with a header row naming its columns.`, 'For example: dst,name,code');
  }
  return {
    header,
    next,
    close: () => {
      void iterator.return?.();
      parser.destroy();
    },
  };
}

function describeCsvError(error: unknown, name: string): Error {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    const where = line !== undefined ? ` near line ${line}` : '';
    const reason = error.message.replace(/^Invalid Record Length:.*/s, 'a row is too long').replace(/\s*at line \d+/, '');
    const hint =
      error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_INVALID_CLOSING_QUOTE' || error.code === 'CSV_MAX_RECORD_SIZE'
        ? 'A value holding commas, quotes or line breaks must be wrapped in double quotes, with each " inside written as "".'
        : undefined;
    return new CsvSyntaxError(`${name}${where} is not valid CSV: ${reason}. Nothing was sent.`, hint);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CsvSyntaxError(`Cannot read ${name}: no such file.`, 'Check the --csv path, or use --csv - to read stdin.');
  if (code === 'EISDIR') return new CsvSyntaxError(`Cannot read ${name}: it is a directory.`, 'Give --csv the path of a CSV file.');
  if (code !== undefined) return new CsvSyntaxError(`Cannot read ${name}: ${code}.`);
  return error instanceof Error ? error : new Error(String(error));
}
