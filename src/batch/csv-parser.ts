/**
 * The CSV grammar plivo-send reads (RFC 4180), as a parser fed text chunk by chunk:
 * - records end with `\r\n`, `\n` or `\r`, mixed freely (rows appended by another tool); an empty
 *   line is no record; the last record needs no line break;
 * - a value in double quotes may hold the separator, quotes (written `""`) and line breaks; after
 *   its closing quote comes the separator, a line break or the end, nothing else;
 * - a quote inside an unquoted value is an error (it is a value someone forgot to quote), and so
 *   is a quote never closed, or a record longer than `maxRecordChars` (an unclosed quote must not
 *   swallow the file);
 * - a byte order mark at the start is dropped; records may have any number of values (a row with
 *   the wrong number of cells is the row's problem, found later).
 *
 * It reads exactly what csv-parse reads with the options plivo-send used it with (test/batch/csv-
 * parser.test.ts compares the two on random input), but for the record limit, which it counts in
 * characters where csv-parse counted bytes. It is written out because of start-up: while its code
 * is still cold, before V8 has optimised it, csv-parse takes about 20 ms for a 2,000-row CSV, which
 * a batch spends before its first message; this parser hands the scanning to indexOf and a regular
 * expression, native code from the first call, and takes about 2 ms.
 */

import { formatCount } from '../core/format.js';

export type CsvParseErrorCode = 'CSV_INVALID_OPENING_QUOTE' | 'CSV_INVALID_CLOSING_QUOTE' | 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE';

export class CsvParseError extends Error {
  readonly code: CsvParseErrorCode;
  /** The line the parser was on (1-based). */
  readonly line: number;

  constructor(code: CsvParseErrorCode, message: string, line: number) {
    super(message);
    this.name = 'CsvParseError';
    this.code = code;
    this.line = line;
  }
}

const QUOTE = 0x22;
const LINE_BREAKS = /\r\n?|\n/g;
const CR = 0x0d;
const LF = 0x0a;

const enum State {
  /** At the start of a value: a quote opens a quoted one. */
  FieldStart,
  Unquoted,
  Quoted,
  /** Just after a quoted value's closing quote. */
  AfterQuote,
}

export class CsvRecordParser {
  /** Records handed out so far. */
  records = 0;
  private readonly delimiter: string;
  private readonly maxRecordChars: number;
  /** The separator, a quote or a line break: where an unquoted value stops. */
  private readonly stops: RegExp;
  private state = State.FieldStart;
  private record: string[] = [];
  private field = '';
  /** Characters of the record's values so far (the one being read included). */
  private recordLength = 0;
  /** The end of the last chunk, held until the next one says what it is (`"` then `"`? `\r` then `\n`?). */
  private carry = '';
  private started = false;
  private line = 1;
  /** The line the open quoted value started on. */
  private quoteLine = 1;
  /** The quoted text read so far ends with `\r`. */
  private quotedCr = false;

  constructor(delimiter: string, maxRecordChars: number) {
    this.delimiter = delimiter;
    this.maxRecordChars = maxRecordChars;
    this.stops = new RegExp(`${delimiter.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')}|["\\r\\n]`, 'g');
  }

  /** Parses the next chunk of text; every record it completes goes to `push`. */
  write(chunk: string, push: (record: string[]) => void): void {
    this.parse(chunk, false, push);
  }

  /** The input has ended: the last record, if it has no line break. */
  end(push: (record: string[]) => void): void {
    this.parse('', true, push);
    if (this.state === State.Quoted)
      throw new CsvParseError(
        'CSV_QUOTE_NOT_CLOSED',
        `the quoted value opened on line ${this.quoteLine} is never closed (its closing quote is missing)`,
        this.quoteLine,
      );
    if (this.state !== State.FieldStart || this.record.length > 0) this.endRecord(push);
  }

  private parse(chunk: string, final: boolean, push: (record: string[]) => void): void {
    let text = this.carry + chunk;
    this.carry = '';
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const length = text.length;
    const delimiter = this.delimiter;
    let i = 0;
    while (i < length) {
      switch (this.state) {
        case State.FieldStart:
          if (text.charCodeAt(i) === QUOTE) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            this.quotedCr = false;
            i++;
          } else this.state = State.Unquoted;
          break;
        case State.Unquoted: {
          this.stops.lastIndex = i;
          const stop = this.stops.exec(text);
          const end = stop === null ? length : stop.index;
          this.append(text, i, end);
          if (stop === null) {
            i = length;
            break;
          }
          const c = text.charCodeAt(end);
          if (c === QUOTE) {
            throw new CsvParseError(
              'CSV_INVALID_OPENING_QUOTE',
              `a quote inside an unquoted value (value ${this.record.length + 1} of the row, ${JSON.stringify(this.field)}); a value holding quotes must be quoted itself`,
              this.line,
            );
          }
          i = c === CR || c === LF ? this.lineBreak(text, end, final, push) : this.nextField(end + delimiter.length);
          break;
        }
        case State.Quoted: {
          const quote = text.indexOf('"', i);
          if (quote < 0) {
            this.appendQuoted(text, i, length);
            i = length;
            break;
          }
          this.appendQuoted(text, i, quote);
          if (quote + 1 === length && !final) {
            // A closing quote, or the first of a `""`: the next chunk says.
            this.carry = '"';
            i = length;
          } else if (text.charCodeAt(quote + 1) === QUOTE) {
            this.append('"', 0, 1);
            this.quotedCr = false;
            i = quote + 2;
          } else {
            this.state = State.AfterQuote;
            i = quote + 1;
          }
          break;
        }
        case State.AfterQuote: {
          const c = text.charCodeAt(i);
          if (c === CR || c === LF) i = this.lineBreak(text, i, final, push);
          else if (text.startsWith(delimiter, i)) i = this.nextField(i + delimiter.length);
          else {
            throw new CsvParseError(
              'CSV_INVALID_CLOSING_QUOTE',
              `a quoted value's closing quote is followed by ${JSON.stringify(String.fromCodePoint(text.codePointAt(i)!))} instead of a separator or a line break`,
              this.line,
            );
          }
          break;
        }
      }
    }
  }

  /** A line break at `at`: `\r\n` is one; a `\r` at the end of a chunk waits for the next. */
  private lineBreak(text: string, at: number, final: boolean, push: (record: string[]) => void): number {
    if (text.charCodeAt(at) === CR && at + 1 === text.length && !final) {
      this.carry = '\r';
      return text.length;
    }
    this.line++;
    this.endRecord(push);
    return at + (text.charCodeAt(at) === CR && text.charCodeAt(at + 1) === LF ? 2 : 1);
  }

  private nextField(at: number): number {
    this.record.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
    return at;
  }

  private endRecord(push: (record: string[]) => void): void {
    const empty = this.state === State.Unquoted && this.record.length === 0 && this.field === '';
    const record = this.record;
    record.push(this.field);
    this.record = [];
    this.field = '';
    this.recordLength = 0;
    this.state = State.FieldStart;
    if (empty) return;
    this.records++;
    push(record);
  }

  private append(text: string, from: number, to: number): void {
    if (to === from) return;
    this.recordLength += to - from;
    if (this.recordLength > this.maxRecordChars) {
      throw new CsvParseError('CSV_MAX_RECORD_SIZE', `a row is longer than ${formatCount(this.maxRecordChars)} characters`, this.line);
    }
    this.field += from === 0 && to === text.length ? text : text.slice(from, to);
  }

  /** Quoted text: its line breaks (`\r\n`, `\n` or `\r`) count as lines, as an editor shows them. */
  private appendQuoted(text: string, from: number, to: number): void {
    if (from === to) return;
    LINE_BREAKS.lastIndex = from;
    for (let found = LINE_BREAKS.exec(text); found !== null && found.index < to; found = LINE_BREAKS.exec(text)) {
      // The `\n` of a `\r\n` cut in two by the chunks was counted with its `\r`.
      if (!(found.index === from && this.quotedCr && text.charCodeAt(from) === LF)) this.line++;
    }
    this.quotedCr = text.charCodeAt(to - 1) === CR;
    this.append(text, from, to);
  }
}
