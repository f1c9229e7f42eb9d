/**
 * The result of counting one text's segments, as `segments --json` prints it and the library's
 * `countSegments` returns it: built in this one place so that the two never differ.
 */
import {
  applySmartEncoding,
  checkTextLimit,
  countSegments,
  countUtf8Segments,
  GSM_MAX_CHARS,
  splitSegments,
  UCS2_MAX_UNITS,
  utf8Width,
  type Encoding,
} from './encoding.js';

export interface SegmentsOptions {
  /** Count the text after look-alike replacement (curly quotes, dashes…), when that makes it GSM-7. */
  smartEncoding?: boolean;
}

export interface SegmentsReport {
  encoding: Encoding;
  /** Units billed per destination (0 for an empty text). */
  segments: number;
  /** Septets (GSM-7; extension characters count 2) or UTF-16 code units (UCS-2). */
  length: number;
  /** Code points. */
  characters: number;
  /** Capacity of each unit: 160/153 septets or 70/67 code units. */
  per_segment: number;
  /** Septets or code units left in the last unit. */
  remaining: number;
  /** Characters that forced UCS-2, in order of first appearance ([] for GSM-7). */
  non_gsm: string[];
  /** The text as carriers split it, one string per unit. */
  parts: string[];
  /** With smartEncoding: each replacement made (`to` is '' for a removed character). */
  replaced?: Array<{ from: string; to: string }>;
  /** With smartEncoding: the text that would be sent. */
  text?: string;
  /** Whether Plivo accepts a text this long (1,600 GSM-7 characters, 737 UCS-2 code units). */
  within_limit: boolean;
}

export function segmentsReport(original: string, options: SegmentsOptions = {}): SegmentsReport {
  const smart = options.smartEncoding ? applySmartEncoding(original) : { text: original, replaced: [] };
  const text = smart.text;
  const count = countSegments(text);
  return {
    encoding: count.encoding,
    segments: count.segments,
    length: count.length,
    characters: count.characters,
    per_segment: count.perSegment,
    remaining: count.remaining,
    non_gsm: count.nonGsm,
    parts: splitSegments(text, count),
    ...(options.smartEncoding ? { replaced: smart.replaced, text } : {}),
    within_limit: checkTextLimit(count) === undefined,
  };
}

/** ASCII text as bytes. */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const LINE = ascii('{"line":');
const GSM = ascii(',"encoding":"GSM-7","segments":');
const UCS2 = ascii(',"encoding":"UCS-2","segments":');
const LENGTH = ascii(',"length":');
const CHARACTERS = ascii(',"characters":');
const PER_SEGMENT = ascii(',"per_segment":');
const REMAINING = ascii(',"remaining":');
const NON_GSM = ascii(',"non_gsm":[');
const PARTS = ascii('],"parts":[');
const NEXT = ascii('","');
const WITHIN = ascii('],"within_limit":true}\n');
const BEYOND = ascii('],"within_limit":false}\n');
/** How JSON.stringify escapes each ASCII byte (undefined: not at all). */
const ESCAPED: Array<Uint8Array | undefined> = Array.from({ length: 0x80 }, (_, b) =>
  b < 0x20 || b === 0x22 || b === 0x5c ? ascii(JSON.stringify(String.fromCharCode(b)).slice(1, -1)) : undefined,
);

/**
 * Most bytes `writeReportJsonLine` writes for a text of `bytes` bytes: a control character takes 6
 * (an escape such as \u0001) in `parts` and 9 in `non_gsm`, the `","` between two units 3.
 */
export function reportJsonLineBound(bytes: number): number {
  return 16 * bytes + 512;
}

/**
 * The line `segments --lines --json` prints for a text: `{"line":<line>, …segmentsReport(text)}`
 * (without smartEncoding) and a newline, byte for byte as JSON.stringify writes it. The text is
 * `bytes[start..end)`, valid UTF-8, and is copied from there without being decoded (for a million
 * lines, decoding them and encoding the output again cost more than the counting). Written into
 * `out` from `at`, which must have room for reportJsonLineBound(end - start) bytes; returns where
 * it stopped.
 */
export function writeReportJsonLine(out: Uint8Array, at: number, line: number, bytes: Uint8Array, start: number, end: number): number {
  const count = countUtf8Segments(bytes, start, end);
  const gsm = count.encoding === 'GSM-7';
  at = put(out, at, LINE);
  at = putInt(out, at, line);
  at = put(out, at, gsm ? GSM : UCS2);
  at = putInt(out, at, count.segments);
  at = put(out, at, LENGTH);
  at = putInt(out, at, count.length);
  at = put(out, at, CHARACTERS);
  at = putInt(out, at, count.characters);
  at = put(out, at, PER_SEGMENT);
  at = putInt(out, at, count.perSegment);
  at = put(out, at, REMAINING);
  at = putInt(out, at, count.remaining);
  at = put(out, at, NON_GSM);
  const copy = count.escapes ? putEscaped : putBytes;
  for (let k = 0; k < count.nonGsmCount; k++) {
    const from = count.nonGsmAt[k]!;
    if (k > 0) out[at++] = 0x2c;
    out[at++] = 0x22;
    at = copy(out, at, bytes, from, from + utf8Width(bytes[from]!));
    out[at++] = 0x22;
  }
  at = put(out, at, PARTS);
  if (count.segments > 0) {
    out[at++] = 0x22;
    let from = start;
    for (let k = 0; k < count.segments - 1; k++) {
      const to = count.cuts[k]!;
      at = copy(out, at, bytes, from, to);
      at = put(out, at, NEXT);
      from = to;
    }
    at = copy(out, at, bytes, from, end);
    out[at++] = 0x22;
  }
  const within = gsm ? count.characters <= GSM_MAX_CHARS : count.length <= UCS2_MAX_UNITS;
  return put(out, at, within ? WITHIN : BEYOND);
}

function put(out: Uint8Array, at: number, piece: Uint8Array): number {
  for (let i = 0; i < piece.length; i++) out[at + i] = piece[i]!;
  return at + piece.length;
}

function putInt(out: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    out[at] = 0x30 + n;
    return at + 1;
  }
  if (n < 100) {
    out[at] = 0x30 + ((n / 10) | 0);
    out[at + 1] = 0x30 + (n % 10);
    return at + 2;
  }
  if (n > 0x7fffffff) return putLongInt(out, at, n);
  let digits = 3;
  for (let m = (n / 1000) | 0; m > 0; m = (m / 10) | 0) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (n / 10) | 0;
    out[i] = 0x30 + n - q * 10;
    n = q;
  }
  return at + digits;
}

function putLongInt(out: Uint8Array, at: number, n: number): number {
  const s = String(n);
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

function putBytes(out: Uint8Array, at: number, bytes: Uint8Array, from: number, to: number): number {
  // A loop beats a native copy for the short spans of most texts.
  if (to - from > 64) {
    out.set(bytes.subarray(from, to), at);
    return at + to - from;
  }
  for (let i = from; i < to; i++) out[at++] = bytes[i]!;
  return at;
}

function putEscaped(out: Uint8Array, at: number, bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    const escaped = b < 0x80 ? ESCAPED[b] : undefined;
    if (escaped) at = put(out, at, escaped);
    else out[at++] = b;
  }
  return at;
}
