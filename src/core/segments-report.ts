/**
 * The result of counting one text's segments, as `segments --json` prints it and the library's
 * `countSegments` returns it: built in this one place so that the two never differ.
 */
import { applySmartEncoding, checkTextLimit, countSegments, splitSegments, type Encoding } from './encoding.js';

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
