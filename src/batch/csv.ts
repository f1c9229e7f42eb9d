/**
 * Streaming CSV rows (csv-parser.ts): RFC 4180 quoting, embedded commas and newlines, CRLF, a UTF-8
 * BOM; `,` `;` or tab separated (detected from the header line, or --delimiter); UTF-8, UTF-16LE,
 * ISO-8859-1 or Windows-1252 (--encoding), decoded strictly (csv-decode.ts). Rows come one at a
 * time, a slice of the file parsed at a time, so memory does not grow with the file.
 * A row with the wrong number of cells is passed on (the row becomes invalid, not the batch);
 * broken quoting or encoding stops the batch (the parser cannot tell where the row ends, and a
 * byte that is no character cannot be sent), but that is found by the first pass, before anything
 * is sent.
 */
import type { Readable } from 'node:stream';
import { CsvParseError, CsvRecordParser } from './csv-parser.js';
import { CliError, ExitCode } from '../errors.js';
import { CsvDecoder, detectDelimiter, parseDelimiter, type CsvEncoding, type DecodeFailure } from './csv-decode.js';

/** Characters of a chunk parsed at a time. */
const PARSE_SLICE_CHARS = 8192;

/** One record may not exceed this many characters: an unclosed quote must not swallow the file. */
const MAX_RECORD_CHARS = 1_000_000;

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

export interface CsvReadOptions {
  /** --encoding (default: UTF-8, or UTF-16LE after its byte order mark). */
  encoding?: string | undefined;
  /** --delimiter (default: detected from the header line). */
  delimiter?: string | undefined;
}

/** Reads the header, then hands out rows. `name` is used in error messages. */
export async function openCsvRows(source: Readable, name: string, options: CsvReadOptions = {}): Promise<CsvRows> {
  const decoder = new CsvDecoder(options.encoding as CsvEncoding | undefined);
  const chunks = decodeChunks(source, decoder);
  let head: Buffer[] = [];
  let delimiter: string;
  try {
    if (options.delimiter !== undefined) delimiter = parseDelimiter(options.delimiter);
    else ({ head, delimiter } = await readHeaderLine(chunks));
  } catch (error) {
    source.destroy();
    throw describeCsvError(error, name);
  }
  const parser = new CsvRecordParser(delimiter, MAX_RECORD_CHARS);
  const input = prepend(head, chunks);
  let records: string[][] = [];
  let taken = 0;
  let ended = false;
  const push = (record: string[]): void => void records.push(record);
  /** Parses chunks until there are records to take, or the input has ended. */
  let chunksRead = 0;
  /** The chunk being parsed, a slice at a time: few rows are held at once, and they die young. */
  let text = '';
  let at = 0;
  const fill = async (): Promise<void> => {
    while (taken === records.length && !ended) {
      records = [];
      taken = 0;
      try {
        if (at < text.length) {
          parser.write(text.slice(at, at + PARSE_SLICE_CHARS), push);
          at += PARSE_SLICE_CHARS;
          continue;
        }
        // Between chunks, a turn of the event loop: a file read ahead hands its chunks over without
        // one, and a long pass would otherwise keep signals and timers waiting.
        if (chunksRead++ > 0) await new Promise((resolve) => setImmediate(resolve));
        const step = await input.next();
        if (step.done) {
          ended = true;
          parser.end(push);
        } else {
          text = step.value.toString('utf8');
          at = 0;
        }
      } catch (error) {
        // The records of the slice that failed are not handed out: the batch stops here.
        records = [];
        ended = true;
        throw error;
      }
    }
  };
  // Records parsed, the header included (a parse error drops the records of its chunk, so the
  // consumer's count would be short).
  const parsed = (): number => parser.records;
  const pull = async (): Promise<string[] | undefined> => {
    try {
      if (taken === records.length) await fill();
      return taken < records.length ? records[taken++] : undefined;
    } catch (error) {
      // The parser stopped inside the record the decoding cut short (an open quote).
      if (decoder.failure) throw decodingError(decoder.failure, parsed(), name);
      throw describeCsvError(error, name);
    }
  };
  // One record is read ahead, so that a record cut short by a decoding failure is never handed
  // out: the failure is in the last record parsed, or in the next one when it fell on a line start.
  const failed = (): CsvSyntaxError => {
    const atLineStart = decoder.lastByte === -1 || decoder.lastByte === 0x0a || decoder.lastByte === 0x0d;
    return decodingError(decoder.failure!, Math.max(0, atLineStart ? parsed() : parsed() - 1), name);
  };
  let ahead = await pull();
  const next = async (): Promise<string[] | undefined> => {
    const current = ahead;
    if (current === undefined) return undefined;
    ahead = await pull();
    if (ahead === undefined && decoder.failure) throw failed();
    return current;
  };
  if (ahead === undefined && decoder.failure) throw failed();
  const header = await next();
  if (header === undefined) {
    throw new CsvSyntaxError(`${name} is empty: a batch CSV starts with a header row naming its columns.`, 'For example: dst,name,code');
  }
  return {
    header,
    next,
    close: () => {
      ended = true;
      void input.return(undefined);
      source.destroy();
    },
  };
}

/** The input decoded to UTF-8 chunks; after a decoding failure, the text before it, then the end. */
async function* decodeChunks(source: Readable, decoder: CsvDecoder): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const out = decoder.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    if (out.length > 0) yield out;
    if (decoder.failure) return;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

async function* prepend(head: Buffer[], rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

/** Reads chunks until the header line is complete, and picks the separator it uses. */
async function readHeaderLine(chunks: AsyncGenerator<Buffer>): Promise<{ head: Buffer[]; delimiter: string }> {
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const step = await chunks.next();
    if (!step.done) {
      head.push(step.value);
      size += step.value.length;
    }
    const atEnd = step.done === true || size > MAX_RECORD_CHARS;
    const delimiter = detectDelimiter(head.length === 1 ? head[0]! : Buffer.concat(head), atEnd);
    if (delimiter !== undefined) return { head, delimiter };
  }
}

/** `row` 0 is the header row. */
function decodingError(failure: DecodeFailure, row: number, name: string): CsvSyntaxError {
  const where = row === 0 ? 'the header row' : `row ${row}`;
  const hint =
    failure.encoding === 'utf-8'
      ? 'If it was saved as Latin-1 or Windows-1252 (Excel\'s plain "CSV" on Windows), add --encoding windows-1252 (or --encoding latin1); or save it as "CSV UTF-8".'
      : 'It holds half of a character pair, or ends in the middle of one: save it again from the spreadsheet, preferably as "CSV UTF-8".';
  return new CsvSyntaxError(
    `${name} is not valid ${failure.encoding === 'utf-8' ? 'UTF-8' : 'UTF-16LE'}: ${where} holds ${failure.bytes} at byte offset ${failure.offset}. Nothing was sent.`,
    hint,
  );
}

function describeCsvError(error: unknown, name: string): Error {
  if (error instanceof CliError) return error;
  if (error instanceof CsvParseError) {
    return new CsvSyntaxError(
      `${name} near line ${error.line} is not valid CSV: ${error.message}. Nothing was sent.`,
      'A value holding commas, quotes or line breaks must be wrapped in double quotes, with each " inside written as "".',
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CsvSyntaxError(`Cannot read ${name}: no such file.`, 'Check the --csv path, or use --csv - to read stdin.');
  if (code === 'EISDIR') return new CsvSyntaxError(`Cannot read ${name}: it is a directory.`, 'Give --csv the path of a CSV file.');
  if (code !== undefined) return new CsvSyntaxError(`Cannot read ${name}: ${code}.`);
  return error instanceof Error ? error : new Error(String(error));
}
