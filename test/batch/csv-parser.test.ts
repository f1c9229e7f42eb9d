import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CsvParseError, CsvRecordParser } from '../../src/batch/csv-parser.js';

/** csv-parse with the options plivo-send used it with before it had a parser of its own. */
function reference(text: string, delimiter: string): { records: string[][] } | { error: string } {
  try {
    const records: string[][] = parse(text, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: 1_000,
      record_delimiter: ['\r\n', '\n', '\r'],
    });
    return { records };
  } catch (error) {
    return { error: (error as { code: string }).code.replace(/^(?!CSV_)/, 'CSV_') };
  }
}

/** The parser under test, fed `text` cut into chunks at `cuts`. */
function ours(text: string, delimiter: string, cuts: number[]): { records: string[][] } | { error: string } {
  const parser = new CsvRecordParser(delimiter, 1_000);
  const records: string[][] = [];
  const push = (r: string[]) => records.push(r);
  try {
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      parser.write(text.slice(from, cut), push);
      from = cut;
    }
    parser.end(push);
    expect(parser.records).toBe(records.length);
    return { records };
  } catch (error) {
    if (!(error instanceof CsvParseError)) throw error;
    return { error: error.code };
  }
}

/** A small random generator with a seed, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const PIECES = ['a', 'bc', 'é', '😀', ' ', '"', '""', ',', ';', '\t', '\n', '\r', '\r\n', '"x"', '"a,b"', '"l1\nl2"', '\uFEFF', ''];

describe('CsvRecordParser reads what csv-parse reads', () => {
  it.each([
    ['quotes, doubled quotes, separators and line breaks inside quotes', 'a,"b,c","d""e"\n"f\r\ng",h\r\n'],
    ['empty lines are no records; a quoted empty value is', 'a\n\n""\n\r\n \nb'],
    ['a trailing separator, no final line break', 'a,b,\nc'],
    ['a byte order mark at the start', '\uFEFFdst,name\n1,2'],
    ['lines ending in \\r alone, and \\r\\r\\n', 'a\rb\r\r\nc'],
    ['a quote inside an unquoted value', 'a,b"c,d'],
    ['a closing quote followed by a space', '"a" ,b'],
    ['a quote never closed', 'a,"b\nc'],
    ['a record longer than the limit', `a,${'x'.repeat(1_200)}\n`],
  ])('%s', (_name, text) => {
    const expected = reference(text, ',');
    for (let cut = 0; cut <= text.length; cut++) expect(ours(text, ',', [cut]), `cut at ${cut}`).toEqual(expected);
  });

  it('on 20,000 random inputs, cut into random chunks, with each separator', () => {
    const next = random(20261129);
    for (let n = 0; n < 20_000; n++) {
      const delimiter = [',', ';', '\t'][n % 3]!;
      let text = '';
      const pieces = Math.floor(next() * 30);
      for (let i = 0; i < pieces; i++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * (text.length + 1))).sort((a, b) => a - b);
      expect(ours(text, delimiter, cuts), `${JSON.stringify(text)} split at ${cuts.join(',')} with ${JSON.stringify(delimiter)}`).toEqual(
        reference(text, delimiter),
      );
    }
  });
});

describe('CsvRecordParser names the line a problem is on, as an editor counts lines', () => {
  /** The line of the error `text` stops with, whatever the chunks. */
  function lineOfError(text: string): number[] {
    const lines = new Set<number>();
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new CsvRecordParser(',', 1_000);
      try {
        parser.write(text.slice(0, cut), () => undefined);
        parser.write(text.slice(cut), () => undefined);
        parser.end(() => undefined);
      } catch (error) {
        if (!(error instanceof CsvParseError)) throw error;
        lines.add(error.line);
      }
    }
    return [...lines];
  }

  it.each([
    ['LF', 'a\nb\nc\nd"x\n', 4],
    ['CRLF', 'a\r\nb\r\nc\r\nd"x\r\n', 4],
    ['CR alone', 'a\rb\rc\rd"x\r', 4],
    ['line breaks of every kind inside a quoted value', 'a\n"b\rc\r\nd\ne"\nf"x\n', 6],
    ['a doubled quote between a \\r and a \\n inside a quoted value', 'a\n"b\r""\nc"\nd"x\n', 5],
  ])('%s', (_name, text, line) => {
    expect(lineOfError(text)).toEqual([line]);
  });

  it('an unclosed quote: the line it opened on', () => {
    expect(lineOfError('a\nb\n"c\nd\ne\n')).toEqual([3]);
    const parser = new CsvRecordParser(',', 1_000);
    parser.write('a\n"b\n\n', () => undefined);
    expect(() => parser.end(() => undefined)).toThrow('the quoted value opened on line 2 is never closed');
  });
});
