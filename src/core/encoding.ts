/**
 * SMS encoding and segment counting (GSM 03.38 / 3GPP TS 23.038 as Plivo applies it; README's
 * `segments` section states the rules). Pure functions: the text is counted exactly as it will
 * be sent — never normalised, no national language shift tables.
 */

export type Encoding = 'GSM-7' | 'UCS-2';

/** Plivo: GSM-7 text at most 1,600 characters. */
export const GSM_MAX_CHARS = 1600;
/** Plivo: UCS-2 text at most 737 UTF-16 code units (11 segments of 67). */
export const UCS2_MAX_UNITS = 737;

/** Capacity of a lone unit and of each unit of a concatenated message (6-octet header). */
export const GSM_SINGLE = 160;
export const GSM_MULTI = 153;
export const UCS2_SINGLE = 70;
export const UCS2_MULTI = 67;

export interface SegmentCount {
  encoding: Encoding;
  /** Units billed (0 for empty text). */
  segments: number;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2). */
  length: number;
  /** Code points. */
  characters: number;
  /** Distinct characters that forced UCS-2, in order of first appearance ([] when GSM-7); made on first read. */
  nonGsm: string[];
  /** Capacity of each unit: 160/153 septets or 70/67 code units. */
  perSegment: number;
  /** Free septets/code units left in the last unit (the whole first unit for empty text). */
  remaining: number;
}

// GSM 03.38 basic table in position order; 0x1B is ESC (a prefix, not a character) and is skipped.
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Extension table: each is ESC + code, so 2 septets in GSM-7 (but 1 code unit in UCS-2).
const GSM_EXTENSION = '\f^{}\\[~]|€';

/** Septet cost per UTF-16 code unit: 0 = not GSM (surrogates included), 1 = basic, 2 = extension. */
const SEPTETS = new Uint8Array(0x10000);
for (let i = 0; i < GSM_BASIC.length; i++) if (i !== 0x1b) SEPTETS[GSM_BASIC.charCodeAt(i)] = 1;
for (let i = 0; i < GSM_EXTENSION.length; i++) SEPTETS[GSM_EXTENSION.charCodeAt(i)] = 2;

/**
 * Marks for the UCS-2 scan, one table load per code unit: GSM characters hold GSM_MARK, a non-GSM
 * character already listed in nonGsm by this call holds the call's stamp, so `mark >= stamp` means
 * "skip". A new stamp per call avoids clearing the table until the stamps run out.
 */
const GSM_MARK = 0xffff;
const MARKS = new Uint16Array(0x10000);
/** The same stamps for lone surrogates, kept apart: a marked one must not hide a later pair. */
const LONE_MARKS = new Uint16Array(0x800);
let stamp = GSM_MARK; // the first UCS-2 count fills MARKS

function resetMarks(): void {
  MARKS.fill(0);
  LONE_MARKS.fill(0);
  for (let c = 0; c < 0x10000; c++) if (SEPTETS[c] !== 0) MARKS[c] = GSM_MARK;
}

/**
 * One string per code unit below U+3400 (alphabets, punctuation, symbols, kana), made on first use:
 * allocating them was a large share of the UCS-2 path.
 */
const CHARS = new Array<string | undefined>(0x3400);

function charString(c: number): string {
  if (c >= CHARS.length) return String.fromCharCode(c);
  return (CHARS[c] ??= String.fromCharCode(c));
}

/** Scratch: code-unit index of each surrogate pair found by the last UCS-2 scan. */
let pairAt: Uint32Array = new Uint32Array(64);

function doubled(old: Uint32Array): Uint32Array {
  const grown = new Uint32Array(old.length * 2);
  grown.set(old);
  return grown;
}

function isHighSurrogate(c: number): boolean {
  return (c & 0xfc00) === 0xd800;
}

function isLowSurrogate(c: number): boolean {
  return (c & 0xfc00) === 0xdc00;
}

/**
 * The 1-septet ASCII GSM characters (LF, CR, space to Z, _, a to z). Most texts are a run of these:
 * the regex engine skips such a run several times faster than a charCodeAt loop. Sticky, so
 * lastIndex is the length of the run after test(), with no match array allocated.
 */
const PLAIN_RUN = /[\n\r -Z_a-z]*/y;

export function countSegments(text: string): SegmentCount {
  const n = text.length;
  PLAIN_RUN.lastIndex = 0;
  PLAIN_RUN.test(text);
  let i = PLAIN_RUN.lastIndex;
  let septets = i;
  // Past the plain run, four code units per step (charCodeAt dominates the cost): a zero
  // product means one of them is not GSM.
  for (; i + 4 <= n; i += 4) {
    const a = SEPTETS[text.charCodeAt(i)]!;
    const b = SEPTETS[text.charCodeAt(i + 1)]!;
    const c = SEPTETS[text.charCodeAt(i + 2)]!;
    const d = SEPTETS[text.charCodeAt(i + 3)]!;
    if (a * b * c * d === 0) break;
    septets += a + b + c + d;
  }
  for (; i < n; i++) {
    const w = SEPTETS[text.charCodeAt(i)]!;
    if (w === 0) return countUcs2(text, i);
    septets += w;
  }
  return countGsm(text, septets);
}

function countGsm(text: string, septets: number): SegmentCount {
  const n = text.length;
  if (septets <= GSM_SINGLE) {
    return {
      encoding: 'GSM-7',
      segments: n === 0 ? 0 : 1,
      length: septets,
      characters: n,
      nonGsm: [],
      perSegment: GSM_SINGLE,
      remaining: GSM_SINGLE - septets,
    };
  }
  let segments: number;
  let used: number;
  if (septets === n) {
    // Only 1-septet characters: packing reduces to arithmetic.
    segments = Math.ceil(n / GSM_MULTI);
    used = n - (segments - 1) * GSM_MULTI;
  } else {
    // Pack: an escape pair (2 septets) never straddles a boundary, it moves whole to the next unit.
    segments = 1;
    used = 0;
    for (let i = 0; i < n; i++) {
      const w = SEPTETS[text.charCodeAt(i)]!;
      if (used + w > GSM_MULTI) {
        segments++;
        used = 0;
      }
      used += w;
    }
  }
  return {
    encoding: 'GSM-7',
    segments,
    length: septets,
    characters: n,
    nonGsm: [],
    perSegment: GSM_MULTI,
    remaining: GSM_MULTI - used,
  };
}

/** The distinct characters of `text` from `start` on that are not GSM, in order of first appearance. */
function collectNonGsm(text: string, start: number): string[] {
  const n = text.length;
  if (++stamp >= GSM_MARK) {
    resetMarks();
    stamp = 1;
  }
  const nonGsm: string[] = [];
  let astral: Set<number> | undefined;
  for (let i = start; i < n; i++) {
    const c = text.charCodeAt(i);
    if (MARKS[c]! >= stamp) continue;
    if ((c & 0xf800) !== 0xd800) {
      // Not a surrogate: list it once.
      MARKS[c] = stamp;
      nonGsm.push(charString(c));
      continue;
    }
    const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (isHighSurrogate(c) && isLowSurrogate(d)) {
      i++;
      const cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
      astral ??= new Set();
      if (!astral.has(cp)) {
        astral.add(cp);
        nonGsm.push(String.fromCharCode(c, d));
      }
    } else if (LONE_MARKS[c - 0xd800] !== stamp) {
      // A lone surrogate: 1 code unit, 1 character, sent as is.
      LONE_MARKS[c - 0xd800] = stamp;
      nonGsm.push(String.fromCharCode(c));
    }
  }
  return nonGsm;
}

/** Surrogates, found by the regex engine: the only code units UCS-2 counting must look at. */
const SURROGATE = /[\uD800-\uDFFF]/g;

/**
 * `start` is the first non-GSM code unit. In UCS-2 the length is the string's own length, so only
 * surrogates need a look (a pair is 1 character and never straddles a unit); the characters that
 * forced UCS-2 are listed only when `nonGsm` is read, since most callers never ask.
 */
function countUcs2(text: string, start: number): SegmentCount {
  const n = text.length;
  let pairs = 0;
  // The regex engine finds the first surrogate (most UCS-2 texts have none); from there a plain
  // loop is cheaper than one regex call per pair.
  SURROGATE.lastIndex = start;
  if (SURROGATE.test(text)) {
    for (let i = SURROGATE.lastIndex - 1; i < n; i++) {
      const c = text.charCodeAt(i);
      if ((c & 0xfc00) !== 0xd800) continue;
      if (i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) {
        if (pairs === pairAt.length) pairAt = doubled(pairAt);
        pairAt[pairs++] = i++;
      }
    }
  }
  const characters = n - pairs;
  if (n <= UCS2_SINGLE) {
    return ucs2Count(text, start, 1, characters, UCS2_SINGLE, UCS2_SINGLE - n);
  }
  // Pack units of 67: a surrogate pair (2 units) never straddles a boundary, it moves whole to
  // the next unit; the runs of 1-unit characters between pairs fill units arithmetically.
  let segments = 1;
  let used = 0;
  let next = 0;
  for (let k = 0; k <= pairs; k++) {
    const at = k < pairs ? pairAt[k]! : n;
    used += at - next;
    if (used > UCS2_MULTI) {
      const more = Math.ceil((used - UCS2_MULTI) / UCS2_MULTI);
      segments += more;
      used -= UCS2_MULTI * more;
    }
    if (k === pairs) break;
    if (used + 2 > UCS2_MULTI) {
      segments++;
      used = 0;
    }
    used += 2;
    next = at + 2;
  }
  return ucs2Count(text, start, segments, characters, UCS2_MULTI, UCS2_MULTI - used);
}

function ucs2Count(text: string, start: number, segments: number, characters: number, perSegment: number, remaining: number): SegmentCount {
  return new Ucs2Count(text, start, segments, characters, perSegment, remaining);
}

/** A UCS-2 count whose `nonGsm` list is made on first read. */
class Ucs2Count implements SegmentCount {
  readonly encoding = 'UCS-2';
  readonly segments: number;
  readonly length: number;
  readonly characters: number;
  readonly perSegment: number;
  readonly remaining: number;
  readonly #text: string;
  readonly #start: number;
  #nonGsm: string[] | undefined;

  constructor(text: string, start: number, segments: number, characters: number, perSegment: number, remaining: number) {
    this.segments = segments;
    this.length = text.length;
    this.characters = characters;
    this.perSegment = perSegment;
    this.remaining = remaining;
    this.#text = text;
    this.#start = start;
  }

  get nonGsm(): string[] {
    return (this.#nonGsm ??= collectNonGsm(this.#text, this.#start));
  }
}

/**
 * The text of each unit, in order; escape and surrogate pairs are never split. `join('')` gives
 * `text` back. `count` is `countSegments(text)`, when the caller has it already.
 */
export function splitSegments(text: string, count: SegmentCount = countSegments(text)): string[] {
  if (count.segments === 0) return [];
  if (count.segments === 1) return [text];
  const ucs2 = count.encoding === 'UCS-2';
  const capacity = count.perSegment;
  const n = text.length;
  const parts: string[] = [];
  // Every character one septet (GSM-7) or one code unit (UCS-2 without surrogate pairs): the
  // units are equal slices.
  if (ucs2 ? count.characters === n : count.length === n) {
    for (let start = 0; start < n; start += capacity) parts.push(text.slice(start, start + capacity));
    return parts;
  }
  let start = 0;
  let used = 0;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    // Cost in the unit (septets or code units) and width in the string (code units).
    let cost: number;
    let width = 1;
    if (!ucs2) cost = SEPTETS[c]!;
    else if (isHighSurrogate(c) && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) cost = width = 2;
    else cost = 1;
    if (used + cost > capacity) {
      parts.push(text.slice(start, i));
      start = i;
      used = 0;
    }
    used += cost;
    i += width;
  }
  parts.push(text.slice(start));
  return parts;
}

export function isGsmText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (SEPTETS[text.charCodeAt(i)] === 0) return false;
  }
  return true;
}

/** Look-alike → GSM-7 replacements (the targets are all GSM text; no source is GSM). */
const LOOKALIKES = new Map<number, string>();
function addLookalikes(chars: string, to: string): void {
  for (let i = 0; i < chars.length; i++) LOOKALIKES.set(chars.charCodeAt(i), to);
}
// Single quotes, primes and apostrophe-like modifier letters: ‘ ’ ‚ ‛ ′ ‵ ‹ › ʹ ʻ ʼ ʽ ˈ ˊ ´ ＇
addLookalikes('\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u02b9\u02bb\u02bc\u02bd\u02c8\u02ca\u00b4\uff07', "'");
// Double quotes and primes: “ ” „ ‟ ″ ‶ « » ʺ ˮ ＂
addLookalikes('\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u02ba\u02ee\uff02', '"');
// Hyphens, dashes and minus signs: ‐ ‑ ‒ – — ― − ﹘ ﹣ －
addLookalikes('\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d', '-');
// Ellipsis and one-dot leader.
addLookalikes('\u2026', '...');
addLookalikes('\u2024', '.');
// No-break and typographic spaces: NBSP, U+2000–U+200A, narrow NBSP, medium math space, ideographic space.
addLookalikes('\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000', ' ');
// Invisible: zero-width space/non-joiner/joiner, word joiner, BOM/ZWNBSP, soft hyphen.
addLookalikes('\u200b\u200c\u200d\u2060\ufeff\u00ad', '');
// Windows-1252 leftovers: modifier circumflex and small tilde.
addLookalikes('\u02c6', '^');
addLookalikes('\u02dc', '~');
// Fullwidth ASCII U+FF01–U+FF5E, where the ASCII character is GSM (so not the fullwidth backtick).
for (let c = 0xff01; c <= 0xff5e; c++) {
  const ascii = c - 0xfee0;
  if (SEPTETS[ascii] !== 0 && !LOOKALIKES.has(c)) LOOKALIKES.set(c, String.fromCharCode(ascii));
}

function replaceWith(text: string, replaced: Array<{ from: string; to: string }> | undefined): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const to = LOOKALIKES.get(c);
    if (to === undefined) continue;
    out += text.slice(last, i) + to;
    last = i + 1;
    if (replaced) {
      const from = text[i]!;
      if (!replaced.some((r) => r.from === from)) replaced.push({ from, to });
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Applies the look-alike table, whatever the resulting encoding. */
export function replaceLookalikes(text: string): string {
  return replaceWith(text, undefined);
}

/**
 * Opt-in "smart encoding": the replaced text only when it is then entirely GSM-7 (replacing quotes
 * in a message that keeps an emoji saves nothing and loses fidelity); otherwise the original text.
 * `replaced` lists each distinct replacement, in order of first appearance.
 */
export function applySmartEncoding(text: string): { text: string; replaced: Array<{ from: string; to: string }> } {
  if (isGsmText(text)) return { text, replaced: [] };
  const replaced: Array<{ from: string; to: string }> = [];
  const result = replaceWith(text, replaced);
  if (!isGsmText(result)) return { text, replaced: [] };
  return { text: result, replaced };
}

function formatNumber(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Why the text is over Plivo's length limit, or undefined when it is within it. */
export function checkTextLimit(count: SegmentCount): string | undefined {
  if (count.encoding === 'GSM-7') {
    if (count.characters <= GSM_MAX_CHARS) return undefined;
    return `is ${formatNumber(count.characters)} characters; GSM-7 text may be at most ${formatNumber(GSM_MAX_CHARS)}`;
  }
  if (count.length <= UCS2_MAX_UNITS) return undefined;
  return `is ${formatNumber(count.length)} UTF-16 code units; UCS-2 text may be at most ${UCS2_MAX_UNITS} (11 segments of ${UCS2_MULTI})`;
}

/** countSegments's figures for UTF-8 text, with byte offsets for whoever copies the text. */
export interface Utf8SegmentCount {
  encoding: Encoding;
  segments: number;
  length: number;
  characters: number;
  perSegment: number;
  remaining: number;
  /** Byte offset of the start of units 2, 3, …: `segments - 1` entries (reused by the next call). */
  cuts: Uint32Array;
  /** Byte offset of the first appearance of each character that forced UCS-2 (reused by the next call). */
  nonGsmAt: Uint32Array;
  nonGsmCount: number;
  /** Whether a byte needs an escape in a JSON string: `"`, `\\` or a control character. */
  escapes: boolean;
}

/** Septets of each ASCII byte (0: not GSM), and the ASCII bytes a JSON string must escape. */
const ASCII_SEPTETS = SEPTETS.subarray(0, 0x80);
const JSON_ESCAPES = new Uint8Array(0x80);
for (let b = 0; b < 0x20; b++) JSON_ESCAPES[b] = 1;
JSON_ESCAPES[0x22] = JSON_ESCAPES[0x5c] = 1;
/** The ASCII bytes of 1 septet that JSON leaves as they are (a byte table: no bounds to check). */
const PLAIN = new Uint8Array(0x100);
for (let b = 0; b < 0x80; b++) PLAIN[b] = SEPTETS[b] === 1 && JSON_ESCAPES[b] === 0 ? 1 : 0;

/** Scratch of countUtf8Segments, doubled when a text needs more. */
let cuts: Uint32Array = new Uint32Array(64);
let nonGsmAt: Uint32Array = new Uint32Array(64);

/** Like MARKS, but by code point (astral ones included), for the UTF-8 scan; allocated on first use. */
let cpMarks: Uint16Array | undefined;
let cpStamp = GSM_MARK;

function nextCpStamp(): Uint16Array {
  if (!cpMarks || ++cpStamp >= GSM_MARK) {
    cpMarks ??= new Uint16Array(0x110000);
    cpMarks.fill(0);
    for (let c = 0; c < 0x10000; c++) if (SEPTETS[c] !== 0) cpMarks[c] = GSM_MARK;
    cpStamp = 1;
  }
  return cpMarks;
}

/**
 * countSegments for a text still in UTF-8, `bytes[start..end)` (valid UTF-8: no lone surrogates),
 * without decoding it: the same figures, and, as byte offsets, where each unit after the first
 * starts and where each character that forced UCS-2 first appears (test/core/utf8-segments.test.ts
 * holds it to countSegments and splitSegments).
 */
export function countUtf8Segments(bytes: Uint8Array, start: number, end: number): Utf8SegmentCount {
  let septets = 0;
  let characters = 0;
  let used = 0;
  let n = 0;
  let escapes = 0;
  for (let i = start; i < end;) {
    // A run of plain characters first (most of a GSM-7 text): its units fill arithmetically.
    let j = i;
    while (j < end && PLAIN[bytes[j]!] === 1) j++;
    if (j > i) {
      let run = j - i;
      characters += run;
      septets += run;
      while (used + run > GSM_MULTI) {
        const fits = GSM_MULTI - used;
        if (n === cuts.length) cuts = doubled(cuts);
        i += fits;
        cuts[n++] = i;
        run -= fits;
        used = 0;
      }
      used += run;
      i = j;
      if (i === end) break;
    }
    const b = bytes[i]!;
    let w: number;
    const at = i;
    if (b < 0x80) {
      w = ASCII_SEPTETS[b]!;
      escapes |= JSON_ESCAPES[b]!;
      i++;
    } else if (b < 0xe0) {
      w = SEPTETS[((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)]!;
      i += 2;
    } else if (b < 0xf0) {
      w = SEPTETS[((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)]!;
      i += 3;
    } else {
      w = 0; // 4 bytes: beyond U+FFFF, never GSM
    }
    if (w === 0) return countUtf8Ucs2(bytes, start, end);
    // Packed as countGsm does: an escape pair moves whole to the next unit.
    if (used + w > GSM_MULTI) {
      if (n === cuts.length) cuts = doubled(cuts);
      cuts[n++] = at;
      used = 0;
    }
    used += w;
    septets += w;
    characters++;
  }
  const single = septets <= GSM_SINGLE;
  return {
    encoding: 'GSM-7',
    segments: characters === 0 ? 0 : single ? 1 : n + 1,
    length: septets,
    characters,
    perSegment: single ? GSM_SINGLE : GSM_MULTI,
    remaining: single ? GSM_SINGLE - septets : GSM_MULTI - used,
    cuts,
    nonGsmAt,
    nonGsmCount: 0,
    escapes: escapes !== 0,
  };
}

function countUtf8Ucs2(bytes: Uint8Array, start: number, end: number): Utf8SegmentCount {
  const marks = nextCpStamp();
  const stamp = cpStamp;
  let units = 0;
  let pairs = 0;
  let used = 0;
  let n = 0;
  let found = 0;
  let escapes = 0;
  for (let i = start; i < end;) {
    const b = bytes[i]!;
    const at = i;
    let cp: number;
    let width = 1;
    if (b < 0x80) {
      cp = b;
      escapes |= JSON_ESCAPES[b]!;
      i++;
    } else if (b < 0xe0) {
      cp = ((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f);
      i += 2;
    } else if (b < 0xf0) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      i += 3;
    } else {
      cp = ((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
      width = 2;
      pairs++;
      i += 4;
    }
    // Packed as countUcs2 does: a surrogate pair moves whole to the next unit.
    if (used + width > UCS2_MULTI) {
      if (n === cuts.length) cuts = doubled(cuts);
      cuts[n++] = at;
      used = 0;
    }
    used += width;
    units += width;
    if (marks[cp]! < stamp) {
      marks[cp] = stamp;
      if (found === nonGsmAt.length) nonGsmAt = doubled(nonGsmAt);
      nonGsmAt[found++] = at;
    }
  }
  const single = units <= UCS2_SINGLE;
  return {
    encoding: 'UCS-2',
    segments: single ? 1 : n + 1,
    length: units,
    characters: units - pairs,
    perSegment: single ? UCS2_SINGLE : UCS2_MULTI,
    remaining: single ? UCS2_SINGLE - units : UCS2_MULTI - used,
    cuts,
    nonGsmAt,
    nonGsmCount: found,
    escapes: escapes !== 0,
  };
}

/** Bytes of the UTF-8 sequence that `lead` starts. */
export function utf8Width(lead: number): number {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}
