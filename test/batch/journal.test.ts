import { describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalWriter, loadJournal, RowState, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalHeader } from '../../src/batch/journal.js';
import { ReorderBuffer, neutralizeCell, resultCsvLine, type RowResult } from '../../src/batch/results.js';
import { resumeCommand, shellQuote } from '../../src/flows/resume.js';
import { tempDir } from './harness.js';

const header: JournalHeader = {
  journal: JOURNAL_FORMAT,
  version: JOURNAL_VERSION,
  created: '2025-01-01T00:00:00.000Z',
  type: 'sms',
  account: 'MAXXXXXXXXXXXXXXXXXX',
  api_url: 'http://127.0.0.1:1',
  options_hash: '0123456789abcdef',
  options: { type: 'sms' },
  csv: 'people.csv',
};

describe('JournalWriter and loadJournal', () => {
  it('creates the journal 0600 with its header, groups records, and indexes the last state of each row', async () => {
    const path = join(tempDir(), 'j.jsonl');
    const journal = await JournalWriter.create(path, header);
    await Promise.all([
      journal.write({ t: 'inflight', row: 1, at: '2025-01-01T00:00:01.000Z', hash: 'aaaaaaaabbbbbbbb', dst: '14155550101' }),
      journal.write({ t: 'inflight', row: 2, at: '2025-01-01T00:00:02.000Z', hash: 'ccccccccdddddddd', dst: '14155550102' }),
      journal.write({ t: 'inflight', row: 3, at: '2025-01-01T00:00:03.000Z', hash: 'eeeeeeeeffffffff', dst: '14155550101' }),
    ]);
    await journal.write({ t: 'sent', row: 1, uuids: ['u-1'], attempts: 2 });
    await journal.write({ t: 'unknown', row: 2, error: 'HTTP 500', attempts: 1 });
    await journal.close();

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain('token');
    const { header: read, index } = await loadJournal(path);
    expect(read).toEqual(header);
    expect([1, 2, 3, 4].map((r) => index.stateOf(r))).toEqual([RowState.sent, RowState.unknown, RowState.inflight, RowState.none]);
    expect(index.readSent(1)).toEqual({ uuids: ['u-1'], attempts: 2 });
    expect(index.hashMatches(2, 'ccccccccdddddddd')).toBe(true);
    expect(index.hashMatches(2, 'ccccccccddddddde')).toBe(false);
    expect(index.attemptTime(3).toISOString()).toBe('2025-01-01T00:00:03.000Z');
    expect(index.uuidsSentTo(['14155550101', '14155550109'])).toEqual(
      new Map([
        ['14155550101', new Set(['u-1'])],
        ['14155550109', new Set()],
      ]),
    );
    index.close();
  });

  it('uuidsSentTo keys by single number: a row to A<B has sent to A and to B', async () => {
    const path = join(tempDir(), 'j.jsonl');
    const journal = await JournalWriter.create(path, header);
    const [a, b, c, d, e] = ['14155550101', '14155550102', '14155550103', '14155550104', '14155550105'];
    await journal.write({ t: 'inflight', row: 1, at: '2025-01-01T00:00:01.000Z', hash: 'aaaaaaaabbbbbbbb', dst: `${a}<${b}` });
    await journal.write({ t: 'sent', row: 1, uuids: ['u-1a', 'u-1b'], attempts: 1 });
    await journal.write({ t: 'inflight', row: 2, at: '2025-01-01T00:00:02.000Z', hash: 'ccccccccdddddddd', dst: a });
    await journal.write({ t: 'sent', row: 2, uuids: ['u-2'], attempts: 1 });
    await journal.write({ t: 'inflight', row: 3, at: '2025-01-01T00:00:03.000Z', hash: 'eeeeeeeeffffffff', dst: `${c}<${d}` });
    await journal.write({ t: 'sent', row: 3, uuids: ['u-3c', 'u-3d'], attempts: 1 });
    await journal.close();
    const { index } = await loadJournal(path);
    expect(index.uuidsSentTo([a, b, d, e])).toEqual(
      new Map([
        [a, new Set(['u-1a', 'u-1b', 'u-2'])],
        [b, new Set(['u-1a', 'u-1b'])],
        [d, new Set(['u-3c', 'u-3d'])],
        [e, new Set()],
      ]),
    );
    index.close();
  });

  it('refuses to overwrite an existing journal', async () => {
    const path = join(tempDir(), 'j.jsonl');
    writeFileSync(path, 'x');
    await expect(JournalWriter.create(path, header)).rejects.toThrow(/already exists/);
  });

  it('drops a torn last line (a crash mid-write) and appends after the last whole record', async () => {
    const path = join(tempDir(), 'j.jsonl');
    const journal = await JournalWriter.create(path, header);
    await journal.write({ t: 'inflight', row: 1, at: '2025-01-01T00:00:01.000Z', hash: 'aaaaaaaabbbbbbbb', dst: '14155550101' });
    await journal.close();
    appendFileSync(path, '{"t":"sent","row":1,"uui');
    const loaded = await loadJournal(path);
    expect(loaded.index.stateOf(1)).toBe(RowState.inflight);
    const again = await JournalWriter.append(path, loaded.validBytes);
    await again.write({ t: 'resume', at: '2025-01-02T00:00:00.000Z' });
    await again.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toEqual({ t: 'resume', at: '2025-01-02T00:00:00.000Z' });
  });

  it('refuses a journal damaged in the middle, and files that are not journals', async () => {
    const dir = tempDir();
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, `${JSON.stringify(header)}\nnot json\n{"t":"failed","row":1,"error":"x","attempts":1}\n`);
    await expect(loadJournal(damaged)).rejects.toThrow(/damaged at line 2/);
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, '{"hello":1}\n');
    await expect(loadJournal(other)).rejects.toThrow(/not a plivo-send journal/);
    await expect(loadJournal(join(dir, 'missing.jsonl'))).rejects.toThrow(/There is no journal at/);
  });
});

describe('results', () => {
  const r = (row: number, extra: Partial<RowResult> = {}): RowResult => ({ row, dst: `1415555010${row}`, status: 'sent', segments: 1, attempts: 1, ...extra });

  it('the reorder buffer emits in input order whatever the completion order', () => {
    const out: number[] = [];
    const buffer = new ReorderBuffer((x) => out.push(x.row));
    for (const row of [3, 1, 5, 2, 4, 4]) buffer.put(r(row));
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(buffer.size).toBe(0);
  });

  it.each([
    ['=cmd|"/c calc"!A1', `'=cmd|"/c calc"!A1`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['plain', 'plain'],
    ['', ''],
  ])('neutralizeCell(%j) = %j', (input, output) => expect(neutralizeCell(input)).toBe(output));

  it('writes CSV rows quoted and neutralised', () => {
    expect(resultCsvLine(r(1, { status: 'failed', error: '=HYPERLINK("x"), bad' }))).toBe(`1,14155550101,failed,,1,1,"'=HYPERLINK(""x""), bad"\n`);
    expect(resultCsvLine(r(2, { message_uuid: ['a', 'b'] }))).toBe('2,14155550102,sent,a b,1,1,\n');
  });
});

describe('resumeCommand', () => {
  it('repeats every flag that shapes the batch, quoted for the shell, plus --resume', () => {
    expect(
      resumeCommand('sms', {
        csv: 'my people.csv',
        text: "Hi {{name}}, it's here",
        src: '14155550100',
        journal: 'j.jsonl',
        yes: true,
        rate: 10,
        dst: undefined,
        trackable: true,
      }),
    ).toBe(`plivo-send sms --csv 'my people.csv' --text 'Hi {{name}}, it'\\''s here' --src 14155550100 --rate 10 --journal j.jsonl --trackable --yes --resume`);
    expect(shellQuote('a$b')).toBe(`'a$b'`);
  });
});
