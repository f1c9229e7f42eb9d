/**
 * The bytes of a batch CSV → UTF-8 for the parser, chunk by chunk, strictly: a byte that is not
 * valid in the input's encoding stops the stream there (the text before it is passed on, so that
 * the error can name the row being read), instead of becoming a U+FFFD that would be sent.
 * Spreadsheets export UTF-8, UTF-16LE (Excel's "Unicode text"), ISO-8859-1 and Windows-1252.
 */
import { isUtf8 } from 'node:buffer';
import { UsageError } from '../errors.js';
import type { CSV_ENCODINGS } from '../core/fields.js';
import { completeUtf16leLength, completeUtf8Length, decodeWindows1252, invalidUtf16leOffset, invalidUtf8Offset, showBytes } from '../core/text-decoding.js';

export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export interface DecodeFailure {
  encoding: CsvEncoding;
  /** Byte offset of the first invalid byte in the input. */
  offset: number;
  bytes: string;
}

/** Reads `source` as `encoding` (undefined: UTF-8, or UTF-16LE when the file starts with its BOM). */
export class CsvDecoder {
  failure: DecodeFailure | undefined;
  /** The last byte passed on: whether a failure falls at the start of a line. */
  lastByte = -1;
  private encoding: CsvEncoding | undefined;
  private pending: Buffer = Buffer.alloc(0);
  /** Input bytes consumed before `pending`. */
  private consumed = 0;

  constructor(encoding: CsvEncoding | undefined) {
    this.encoding = encoding;
  }

  /** UTF-8 bytes for the parser; empty after a failure. */
  write(chunk: Buffer): Buffer {
    if (this.failure) return Buffer.alloc(0);
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.encoding === undefined) {
      if (data.length < 2) {
        this.pending = data;
        return Buffer.alloc(0);
      }
      this.encoding = detectEncoding(data);
    }
    if (this.consumed === 0 && this.encoding === 'utf-16le' && data[0] === 0xff && data[1] === 0xfe) {
      data = data.subarray(2);
      this.consumed = 2;
    }
    const complete = this.completeLength(data);
    this.pending = Buffer.from(data.subarray(complete));
    return this.decode(data.subarray(0, complete));
  }

  /** The rest, at the end of the input: a character cut off there is a failure too. */
  end(): Buffer {
    if (this.failure || this.pending.length === 0) return Buffer.alloc(0);
    this.encoding ??= 'utf-8';
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return this.decode(rest);
  }

  private completeLength(data: Buffer): number {
    if (this.encoding === 'utf-8') return completeUtf8Length(data);
    if (this.encoding === 'utf-16le') return completeUtf16leLength(data);
    return data.length;
  }

  /**
   * `data` holds whole characters only (a cut-off one was held back for the next chunk), so any
   * incomplete sequence in it, even at its end, is invalid: a lead byte followed by another lead,
   * two high surrogates in a row.
   */
  private decode(data: Buffer): Buffer {
    const encoding = this.encoding!;
    let bad = -1;
    if (encoding === 'utf-8') bad = isUtf8(data) ? -1 : invalidUtf8Offset(data, true);
    else if (encoding === 'utf-16le') bad = invalidUtf16leOffset(data, true);
    if (bad >= 0) {
      this.failure = { encoding, offset: this.consumed + bad, bytes: showBytes(data, bad) };
      data = data.subarray(0, bad);
    }
    this.consumed += data.length;
    const out =
      encoding === 'utf-8'
        ? data
        : Buffer.from(encoding === 'utf-16le' ? data.toString('utf16le') : encoding === 'latin1' ? data.toString('latin1') : decodeWindows1252(data));
    if (out.length > 0) this.lastByte = out[out.length - 1]!;
    return out;
  }
}

/** A UTF-16LE byte order mark says so; UTF-16BE is refused (spreadsheets do not write it). */
function detectEncoding(start: Buffer): CsvEncoding {
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf-16le';
  if (start[0] === 0xfe && start[1] === 0xff) {
    throw new UsageError(
      'The CSV is UTF-16 big-endian (it starts with the bytes 0xFE 0xFF), which plivo-send does not read.',
      'Save it as "CSV UTF-8", or as UTF-16LE and add --encoding utf-16le.',
    );
  }
  return 'utf-8';
}

/** `--delimiter`: one character; `\t` and `tab` mean a tab. */
export function parseDelimiter(value: string): string {
  const delimiter = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if ([...delimiter].length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new UsageError(`--delimiter '${value}' must be one character other than a quote or a line break.`, "For example --delimiter ';' or --delimiter tab.");
  }
  return delimiter;
}

const CANDIDATES = [',', ';', '\t'] as const;

/**
 * The separator of the header line (`bytes` holds at least its first line, UTF-8): the candidate
 * that occurs most often outside quotes, `,` on a tie. European spreadsheets write `;`.
 * Undefined while the header line is not complete yet.
 */
export function detectDelimiter(bytes: Uint8Array, atEnd: boolean): string | undefined {
  const counts = [0, 0, 0];
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (c === 0x0a || c === 0x0d) return pick(counts);
    else if (c === 0x2c) counts[0]!++;
    else if (c === 0x3b) counts[1]!++;
    else if (c === 0x09) counts[2]!++;
  }
  return atEnd ? pick(counts) : undefined;
}

function pick(counts: number[]): string {
  let best = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[best]!) best = i;
  return CANDIDATES[best]!;
}
