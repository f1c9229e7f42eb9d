import { describe, expect, it } from 'vitest';
import { countSegments, countUtf8Segments, splitSegments, utf8Width, type Utf8SegmentCount } from '../../src/core/encoding.js';
import { reportJsonLineBound, segmentsReport, writeReportJsonLine } from '../../src/core/segments-report.js';

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code points of every kind the byte counter tells apart, by UTF-8 width and GSM-7 cost. */
const KINDS = {
  plain: [...'abcXYZ 09.,!?@$_%&'],
  gsmWide: [...'£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà'],
  extension: [...'^{}[]~|€'],
  escaped: ['"', '\\', '\r', '\f', '\t', '\b', '\u0001', '\u001f'],
  nonGsmAscii: ['`', '\u007f'],
  nonGsm: [...'úçЖжП“”—\u2028\u2029\u00a0€ー漢字\uffff\ufeff'],
  astral: ['😀', '🙂', '👍', '\u{10000}', '\u{10ffff}', '🎉'],
};
const MIXES: ReadonlyArray<ReadonlyArray<keyof typeof KINDS>> = [
  ['plain'],
  ['plain', 'gsmWide'],
  ['plain', 'extension', 'escaped'],
  ['plain', 'gsmWide', 'extension'],
  ['plain', 'nonGsm'],
  ['plain', 'astral'],
  ['nonGsm', 'astral', 'extension', 'escaped'],
  ['plain', 'gsmWide', 'extension', 'escaped', 'nonGsmAscii', 'nonGsm', 'astral'],
];
/** Lengths (in code points) around the unit boundaries: 67, 70, 153, 160 and their multiples. */
const LENGTHS = [0, 1, 2, 66, 67, 68, 69, 70, 71, 134, 135, 152, 153, 154, 159, 160, 161, 306, 307, 737, 738, 1600, 1601];

function randomTexts(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, (_, k) => {
    const mix = MIXES[k % MIXES.length]!;
    const length = random() < 0.5 ? pick(LENGTHS) : Math.floor(random() * 500);
    // Mostly the first kind (so that a UCS-2 character can come late, or not at all), some of the rest.
    const chars: string[] = [];
    for (let i = 0; i < length; i++) chars.push(pick(KINDS[random() < 0.9 ? mix[0]! : pick(mix)]));
    return chars.join('');
  });
}

/** A counted text, in a buffer with other bytes around it (the counter must keep to its range). */
function countInBuffer(text: string): { count: Utf8SegmentCount; bytes: Buffer; start: number; end: number } {
  const bytes = Buffer.from(`€x\n${text}\n€"`);
  const start = Buffer.byteLength('€x\n');
  const end = start + Buffer.byteLength(text);
  return { count: countUtf8Segments(bytes, start, end), bytes, start, end };
}

/** What the byte counter says, in the terms of countSegments and splitSegments. */
function decoded(text: string) {
  const { count, bytes, start, end } = countInBuffer(text);
  const nonGsm = Array.from(count.nonGsmAt.subarray(0, count.nonGsmCount), (at) => bytes.toString('utf8', at, at + utf8Width(bytes[at]!)));
  const bounds = [start, ...count.cuts.subarray(0, Math.max(count.segments - 1, 0)), end];
  const parts = count.segments === 0 ? [] : bounds.slice(1).map((to, k) => bytes.toString('utf8', bounds[k], to));
  return {
    count: {
      encoding: count.encoding,
      segments: count.segments,
      length: count.length,
      characters: count.characters,
      perSegment: count.perSegment,
      remaining: count.remaining,
      nonGsm,
    },
    parts,
    escapes: count.escapes,
  };
}

function expected(text: string) {
  const count = countSegments(text);
  return {
    count: { ...count, nonGsm: count.nonGsm },
    parts: splitSegments(text, count),
    // eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
    escapes: /["\\\u0000-\u001f]/.test(text),
  };
}

describe('countUtf8Segments', () => {
  it('agrees with countSegments and splitSegments on 20,000 random texts of every kind', () => {
    let ucs2 = 0;
    let multi = 0;
    for (const text of randomTexts(20_000, 1)) {
      const want = expected(text);
      expect(decoded(text), JSON.stringify(text)).toEqual(want);
      if (want.count.encoding === 'UCS-2') ucs2++;
      if (want.count.segments > 1) multi++;
    }
    // The sample covers both encodings, single and multi-part texts.
    expect(ucs2).toBeGreaterThan(5000);
    expect(multi).toBeGreaterThan(5000);
  });

  it.each([
    ['empty', ''],
    ['an escape pair moves whole', `${'x'.repeat(152)}{${'x'.repeat(152)}`],
    ['a 3-byte escape pair (€) moves whole', `${'é'.repeat(152)}€${'x'.repeat(7)}`],
    ['a surrogate pair moves whole', `${'Ж'.repeat(66)}🙂${'Ж'.repeat(66)}`],
    ['the non-GSM character is the last', `${'x'.repeat(200)}ú`],
    ['a 4-byte character first', `😀${'x'.repeat(200)}`],
    ['only 4-byte characters', '😀'.repeat(100)],
    ['U+FFFF and U+10FFFF', '\uffff\u{10ffff}\uffff'],
  ])('%s', (_, text) => {
    expect(decoded(text)).toEqual(expected(text));
  });

  it('lists more than 64 distinct characters, and units of a long text beyond 64', () => {
    const cjk = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    const emoji = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x1f300 + i)).join('');
    for (const text of [cjk, emoji + cjk, 'x'.repeat(16_000) + '€'.repeat(100)]) expect(decoded(text)).toEqual(expected(text));
  });

  it('keeps the characters of each call apart, also after 70,000 calls', () => {
    expect(decoded('ЖЖ').count.nonGsm).toEqual(['Ж']);
    for (let k = 0; k < 70_000; k++) countInBuffer(k % 2 === 0 ? 'Жж😀' : 'жЖ');
    expect(decoded('Жж😀').count.nonGsm).toEqual(['Ж', 'ж', '😀']);
    expect(decoded('€ жЖ😀😀').count.nonGsm).toEqual(['ж', 'Ж', '😀']);
  });
});

/** What `segments --lines --json` prints for a line: `line`, then segmentsReport's fields. */
const jsonLine = (line: number, text: string): string => `${JSON.stringify({ line, ...segmentsReport(text) })}\n`;

function written(line: number, text: string): string {
  const { bytes, start, end } = countInBuffer(text);
  const bound = reportJsonLineBound(end - start);
  // Room for exactly the bound, between bytes that must stay as they are.
  const out = Buffer.alloc(bound + 2, 0xaa);
  const stop = writeReportJsonLine(out, 1, line, bytes, start, end);
  expect(stop).toBeLessThanOrEqual(bound + 1);
  expect([out[0], out[out.length - 1]]).toEqual([0xaa, 0xaa]);
  return out.toString('utf8', 1, stop);
}

describe('writeReportJsonLine', () => {
  it('writes what JSON.stringify writes, for 20,000 random texts of every kind', () => {
    const texts = randomTexts(20_000, 2);
    for (const [i, text] of texts.entries()) expect(written(i * 997, text), JSON.stringify(text)).toBe(jsonLine(i * 997, text));
  });

  it('escapes as JSON.stringify does, within the bound even at its worst', () => {
    const controls = Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)).join('');
    for (const text of [controls, controls.repeat(40) + '"\\', '"'.repeat(300), '\\'.repeat(500), 'a"b\\c\rd\te\u2028f\u007f', '\u0001'.repeat(1000)]) {
      expect(written(1, text)).toBe(jsonLine(1, text));
    }
  });

  it('writes the numbers of every size', () => {
    for (const line of [1, 9, 10, 99, 100, 12_345, 1_000_000, 2 ** 31 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(written(line, 'x'.repeat(1601))).toBe(jsonLine(line, 'x'.repeat(1601)));
    }
  });
});
