import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { openCsvRows, CsvSyntaxError } from '../../src/batch/csv.js';

/** Feeds `chunks` as separate buffers, so that quotes and CRLFs straddle chunk boundaries. */
async function readAll(chunks: Array<string | Buffer>): Promise<{ header: string[]; rows: string[][] }> {
  const csv = await openCsvRows(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), 'test.csv');
  const rows: string[][] = [];
  for (let row = await csv.next(); row !== undefined; row = await csv.next()) rows.push(row);
  return { header: csv.header, rows };
}

describe('openCsvRows (RFC 4180)', () => {
  it('reads quotes, doubled quotes, embedded commas and newlines', async () => {
    const { header, rows } = await readAll(['dst,text\n14155550101,"Hello, ""world""\nsecond line"\n14155550102,plain\n']);
    expect(header).toEqual(['dst', 'text']);
    expect(rows).toEqual([
      ['14155550101', 'Hello, "world"\nsecond line'],
      ['14155550102', 'plain'],
    ]);
  });

  it('takes CRLF line ends, keeps a CRLF inside quotes, and needs no final newline', async () => {
    const { rows } = await readAll(['dst,text\r\n14155550101,"a\r\nb"\r\n14155550102,c']);
    expect(rows).toEqual([
      ['14155550101', 'a\r\nb'],
      ['14155550102', 'c'],
    ]);
  });

  it('reads a file that mixes LF and CRLF line ends', async () => {
    const { rows } = await readAll(['dst,text\n14155550101,"x"\r\n14155550102,y\n14155550103,z\r', '\n']);
    expect(rows).toEqual([
      ['14155550101', 'x'],
      ['14155550102', 'y'],
      ['14155550103', 'z'],
    ]);
  });

  it('drops a UTF-8 BOM, even split across chunks', async () => {
    const bytes = Buffer.from('\uFEFFdst,name\n14155550101,Zoë\n');
    const { header, rows } = await readAll([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]);
    expect(header).toEqual(['dst', 'name']);
    expect(rows).toEqual([['14155550101', 'Zoë']]);
  });

  it('passes ragged rows on (the row is invalid, not the file) and skips blank lines', async () => {
    const { rows } = await readAll(['dst,name\n14155550101\n\n14155550102,Bob,extra\n14155550103,Cy\n\n']);
    expect(rows).toEqual([['14155550101'], ['14155550102', 'Bob', 'extra'], ['14155550103', 'Cy']]);
  });

  it('reads a quoted field whose quote straddles two chunks', async () => {
    const { rows } = await readAll(['dst,text\n14155550101,"He said "', '"hi"""\r', '\n']);
    expect(rows).toEqual([['14155550101', 'He said "hi"']]);
  });

  it('stops with the line number on broken quoting (found before anything is sent)', async () => {
    const error = await readAll(['dst,text\n14155550101,ok\n14155550102,"unterminated\n']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as Error).message).toMatch(/^test\.csv near line \d+ is not valid CSV: .*Nothing was sent\.$/);
    expect((error as CsvSyntaxError).exitCode).toBe(1);
  });

  it('refuses an empty file', async () => {
    await expect(readAll([''])).rejects.toThrow(/test\.csv is empty/);
  });
});
