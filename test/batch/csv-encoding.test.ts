import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { openCsvRows, type CsvReadOptions } from '../../src/batch/csv.js';
import { detectDelimiter, parseDelimiter } from '../../src/batch/csv-decode.js';
import { decodeWindows1252, invalidUtf8Offset } from '../../src/core/text-decoding.js';

/** Feeds `chunks` as separate buffers, so that characters straddle chunk boundaries. */
async function readAll(chunks: Buffer[], options: CsvReadOptions = {}): Promise<{ header: string[]; rows: string[][] }> {
  const csv = await openCsvRows(Readable.from(chunks), 'test.csv', options);
  const rows: string[][] = [];
  for (let row = await csv.next(); row !== undefined; row = await csv.next()) rows.push(row);
  return { header: csv.header, rows };
}

/** Splits `bytes` every `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const latin1Csv = Buffer.concat([Buffer.from('dst,text\n14155550101,Hello\n14155550102,Caf'), Buffer.from([0xe9]), Buffer.from(' ouvert\n')]);

describe('CSV encodings: invalid bytes are an error naming the row, never a U+FFFD', () => {
  it('refuses Latin-1 bytes read as UTF-8, naming the row, the byte and its offset, with the fix', async () => {
    const error = await readAll([latin1Csv]).catch((e: Error & { hint?: string }) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('test.csv is not valid UTF-8: row 2 holds 0xE9 0x20 0x6F 0x75 at byte offset 42. Nothing was sent.');
    expect((error as { hint?: string }).hint).toMatch(/--encoding windows-1252/);
  });

  it.each([1, 2, 3, 7, 64])('names the same row when the input arrives in %i-byte chunks', async (size) => {
    await expect(readAll(pieces(latin1Csv, size))).rejects.toThrow(/row 2 holds 0xE9 .* at byte offset 42/);
  });

  it('names the row when the bad byte starts a line, and the header row when it is there', async () => {
    const atLineStart = Buffer.concat([Buffer.from('dst,text\n14155550101,a\n'), Buffer.from([0xff]), Buffer.from('4155550102,b\n')]);
    await expect(readAll([atLineStart])).rejects.toThrow(/row 2 holds 0xFF/);
    const inHeader = Buffer.concat([Buffer.from('dst,t'), Buffer.from([0xe9]), Buffer.from('xt\n14155550101,a\n')]);
    await expect(readAll([inHeader])).rejects.toThrow(/the header row holds 0xE9/);
  });

  it('names the row when the bad byte is inside an open quote, and when the file ends mid-character', async () => {
    const quoted = Buffer.concat([Buffer.from('dst,text\n14155550101,"line one\nline '), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]);
    await expect(readAll([quoted])).rejects.toThrow(/row 1 holds 0xC3 0x28/);
    const truncated = Buffer.concat([Buffer.from('dst,text\n14155550101,a\n14155550102,'), Buffer.from([0xe2, 0x82])]);
    await expect(readAll([truncated])).rejects.toThrow(/row 2 holds 0xE2 0x82 at byte offset 35/);
  });

  it('never hands out a row before the one that fails to decode is reported', async () => {
    const csv = await openCsvRows(Readable.from([latin1Csv]), 'test.csv');
    expect(await csv.next()).toEqual(['14155550101', 'Hello']);
    await expect(csv.next()).rejects.toThrow(/row 2/);
  });

  it('keeps multi-byte characters split across chunks', async () => {
    const text = Buffer.from('dst,text\n14155550101,Zoë 😀 €\n');
    const { rows } = await readAll(pieces(text, 1));
    expect(rows).toEqual([['14155550101', 'Zoë 😀 €']]);
  });

  it('reads --encoding latin1 (ISO-8859-1) and windows-1252 (€ and curly quotes in 0x80-0x9F)', async () => {
    expect((await readAll([latin1Csv], { encoding: 'latin1' })).rows[1]).toEqual(['14155550102', 'Café ouvert']);
    const cp1252 = Buffer.concat([Buffer.from('dst,text\n14155550101,'), Buffer.from([0x93, 0x80, 0x35, 0x94, 0x20, 0xe9])]);
    expect((await readAll([cp1252], { encoding: 'windows-1252' })).rows).toEqual([['14155550101', '“€5” é']]);
    expect((await readAll([cp1252], { encoding: 'latin1' })).rows).toEqual([['14155550101', '\u0093\u00805\u0094 é']]);
  });

  it('reads UTF-16LE with or without --encoding when it has its BOM, and without the BOM given --encoding', async () => {
    const body = 'dst,text\r\n14155550101,Привет 😀\r\n';
    const withBom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]);
    expect((await readAll(pieces(withBom, 3))).rows).toEqual([['14155550101', 'Привет 😀']]);
    expect((await readAll([withBom], { encoding: 'utf-16le' })).header).toEqual(['dst', 'text']);
    expect((await readAll(pieces(Buffer.from(body, 'utf16le'), 5), { encoding: 'utf-16le' })).rows).toEqual([['14155550101', 'Привет 😀']]);
  });

  it('refuses an invalid sequence that ends one chunk, right before a held-back character', async () => {
    // Two high surrogates: the second waits for its pair in the next chunk; the first is invalid.
    const utf16 = [
      Buffer.from([0xff, 0xfe]),
      Buffer.concat([Buffer.from('dst,text\n1,a', 'utf16le'), Buffer.from([0x3d, 0xd8, 0x3d, 0xd8])]),
      Buffer.concat([Buffer.from([0x00, 0xde]), Buffer.from('\n', 'utf16le')]),
    ];
    await expect(readAll(utf16)).rejects.toThrow(/not valid UTF-16LE: row 1 holds 0x3D 0xD8/);
    // Two UTF-8 lead bytes: the second waits for the rest of its character; the first is invalid.
    const utf8 = [Buffer.concat([Buffer.from('dst,text\n1,a'), Buffer.from([0xe9, 0xe2])]), Buffer.concat([Buffer.from([0x82, 0xac]), Buffer.from('\n')])];
    await expect(readAll(utf8)).rejects.toThrow(/not valid UTF-8: row 1 holds 0xE9/);
  });

  it('refuses an unpaired surrogate in UTF-16LE, and UTF-16BE with a hint', async () => {
    const lone = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('dst,text\n14155550101,a', 'utf16le'),
      Buffer.from([0x3d, 0xd8]),
      Buffer.from('b\n', 'utf16le'),
    ]);
    await expect(readAll([lone])).rejects.toThrow(/not valid UTF-16LE: row 1 holds 0x3D 0xD8/);
    const bigEndian = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('dst', 'utf16le').swap16()]);
    await expect(readAll([bigEndian])).rejects.toThrow(/UTF-16 big-endian/);
  });
});

describe('CSV separators', () => {
  it('detects ; and tab from the header line, outside quotes', async () => {
    expect((await readAll([Buffer.from('dst;name\n14155550101;Dupont, Jean\n')])).rows).toEqual([['14155550101', 'Dupont, Jean']]);
    expect((await readAll([Buffer.from('dst\tname\n14155550101\tAda\n')])).rows).toEqual([['14155550101', 'Ada']]);
    expect((await readAll(pieces(Buffer.from('"d,s,t";name;code\n1;2;3\n'), 2))).header).toEqual(['d,s,t', 'name', 'code']);
    expect((await readAll([Buffer.from('dst,text\n14155550101,"a;b;c"\n')])).rows).toEqual([['14155550101', 'a;b;c']]);
  });

  it('takes --delimiter, with \\t and tab meaning a tab', async () => {
    expect((await readAll([Buffer.from('dst|name\n1|2\n')], { delimiter: '|' })).header).toEqual(['dst', 'name']);
    expect(parseDelimiter('\\t')).toBe('\t');
    expect(parseDelimiter('TAB')).toBe('\t');
    expect(() => parseDelimiter(';;')).toThrow(/--delimiter ';;' must be one character/);
    expect(() => parseDelimiter('"')).toThrow(/must be one character other than a quote/);
  });

  it.each([
    ['dst,name\n', ','],
    ['dst;name;code\n', ';'],
    ['dst\tname\n', '\t'],
    ['dst\n', ','],
    ['"a;b",c\n', ','],
    ['a;b,c;d\n', ';'],
  ])('header %j → %j', (line, expected) => {
    expect(detectDelimiter(Buffer.from(line), false)).toBe(expected);
  });

  it('waits for the end of the header line', () => {
    expect(detectDelimiter(Buffer.from('dst;na'), false)).toBeUndefined();
    expect(detectDelimiter(Buffer.from('dst;na'), true)).toBe(';');
  });
});

describe('text decoding helpers', () => {
  it('finds the first invalid UTF-8 sequence: overlong, surrogate, truncated', () => {
    expect(invalidUtf8Offset(Buffer.from('héllo'), true)).toBe(-1);
    expect(invalidUtf8Offset(Buffer.from([0x41, 0xc0, 0x80]), true)).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0x41, 0xed, 0xa0, 0x80]), true)).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0x41, 0xe2, 0x82]), true)).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0x41, 0xe2, 0x82]), false)).toBe(-1);
  });

  it('maps every Windows-1252 byte of 0x80-0x9F as the WHATWG table does', () => {
    expect(decodeWindows1252(Buffer.from([0x80, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9f, 0x81]))).toBe('€…‘’“”–—™Ÿ\u0081');
  });
});
