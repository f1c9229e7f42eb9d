import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { segmentsReport } from '../../src/core/segments-report.js';
import { runCli, runPiped } from '../helpers/io.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';

/** `segments --lines` in-process, with `stdin` handed over in chunks of `chunk` bytes. */
const lines = (argv: string[], stdin: string | Buffer, chunk = 1 << 16) => runPiped(run, ['segments', '--lines', ...argv], stdin, chunk);

const parse = (jsonl: string) =>
  jsonl
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const MIXED = ['Hello', 'Price: 5€ {ok}', '“Quoted” — dash', 'Привет 👍', '', 'x'.repeat(400), `${'é'.repeat(80)}🙂`, '   '];

describe('segments --lines', () => {
  it('gives each line the fields of `segments --json`, plus line, in order', async () => {
    const out = await lines(['--json'], `${MIXED.join('\n')}\n`);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const results = parse(out.stdout);
    expect(results).toHaveLength(MIXED.length);
    for (const [i, text] of MIXED.entries()) {
      const single = await runCli(['segments', '--text', text, '--json']);
      expect(results[i]).toEqual({ line: i + 1, ...(JSON.parse(single.stdout) as object) });
      expect(Object.keys(results[i]!)).toEqual(['line', ...Object.keys(JSON.parse(single.stdout) as object)]);
    }
  });

  it('gives each line of every kind what `segments --text` gives it: escapes, control characters, a line too long to write from its bytes', async () => {
    // JSON without --smart-encoding is written straight from the input bytes, up to lines of 16 KB;
    // longer ones, --smart-encoding and the table are decoded and counted as text.
    const texts = [
      'say "hi" \\ back\\slash',
      'tab\there\fform\u0001\u001f\u007f`',
      'mid\rline CR',
      '\u2028 Ж 😀 {€}',
      `${'x'.repeat(16_000)}😀`,
      'é'.repeat(9000),
      '€',
    ];
    const out = await lines(['--json'], `${texts.join('\n')}\n`);
    expect(out.code).toBe(0);
    const results = parse(out.stdout);
    expect(results).toHaveLength(texts.length);
    for (const [i, text] of texts.entries()) {
      const single = await runCli(['segments', '--text', text, '--json']);
      expect(out.stdout.split('\n')[i], text.slice(0, 40)).toBe(JSON.stringify({ line: i + 1, ...(JSON.parse(single.stdout) as object) }));
    }
  });

  it('fills and hands over many output blocks without losing or reordering a line', async () => {
    const kinds = ['Hello {world}', 'Привет, как дела?', '“Quoted” 👍', 'Ça va très bien §¿¡', 'a"b\\c'];
    const texts = Array.from({ length: 8000 }, (_, i) => `${kinds[i % kinds.length]!} #${i} `.repeat(1 + (i % 23)));
    const out = await lines(['--json'], texts.join('\r\n'), 100_003);
    expect(out.code).toBe(0);
    // Over 10 blocks of 256 KiB.
    expect(Buffer.byteLength(out.stdout)).toBeGreaterThan(10 * (1 << 18));
    expect(out.stdout).toBe(texts.map((text, i) => `${JSON.stringify({ line: i + 1, ...segmentsReport(text) })}\n`).join(''));
  });

  it('applies --smart-encoding to each line, as segments --smart-encoding does', async () => {
    const out = await lines(['--json', '--smart-encoding'], MIXED.join('\n'));
    for (const [i, result] of parse(out.stdout).entries()) {
      const single = await runCli(['segments', '--text', MIXED[i]!, '--json', '--smart-encoding']);
      expect(result).toEqual({ line: i + 1, ...(JSON.parse(single.stdout) as object) });
    }
    expect(parse(out.stdout)[2]).toMatchObject({ encoding: 'GSM-7', text: '"Quoted" - dash' });
  });

  it('CRLF lines lose the CR, a BOM goes, a last line without newline counts, an empty line is 0 segments', async () => {
    const out = await lines(['--json'], '\uFEFFHello\r\n\r\n\nPrice: 5€\r\nlast');
    expect(parse(out.stdout).map((r) => [r.line, r.parts, r.segments])).toEqual([
      [1, ['Hello'], 1],
      [2, [], 0],
      [3, [], 0],
      [4, ['Price: 5€'], 1],
      [5, ['last'], 1],
    ]);
  });

  it('no input, no results; a trailing newline adds no empty line', async () => {
    expect((await lines(['--json'], '')).stdout).toBe('');
    expect(parse((await lines(['--json'], 'a\nb\n')).stdout)).toHaveLength(2);
  });

  it('gives the same results however the input is cut into chunks (mid-line, mid-character)', async () => {
    const input = `${MIXED.join('\r\n')}\n${MIXED.join('\n')}`;
    const whole = await lines(['--json'], input);
    for (const size of [1, 2, 3, 7, 64]) expect(await lines(['--json'], input, size)).toEqual(whole);
  });

  it('stops at a line that is not UTF-8, naming it, after the results of the lines before it', async () => {
    const input = Buffer.concat([Buffer.from('ok\n\nd\u00e9j\u00e0\n'), Buffer.from('caf\xe9 au lait\n', 'latin1'), Buffer.from('never\n')]);
    for (const chunk of [1 << 16, 5]) {
      const out = await lines(['--json'], input, chunk);
      expect(out.code).toBe(1);
      expect(parse(out.stdout).map((r) => r.line)).toEqual([1, 2, 3]);
      const error = JSON.parse(out.stderr) as { error: { code: string; message: string } };
      expect(error.error.code).toBe('invalid_input');
      expect(error.error.message).toMatch(/^line 4: not valid UTF-8: byte 4 of the line holds 0xE9 0x20 0x61 0x75/);
    }
    const human = await lines([], input);
    expect(human.stderr).toMatch(/line 4: not valid UTF-8.*iconv/);
  });

  it('a text cut off by the end of the input is not UTF-8 either', async () => {
    const out = await lines(['--json'], Buffer.concat([Buffer.from('fine\n'), Buffer.from('€').subarray(0, 2)]));
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/line 2: not valid UTF-8: byte 1 of the line holds 0xE2 0x82/);
  });

  it('prints a compact table without --json', async () => {
    const out = await lines([], 'Hello\n“Quoted”\n\n' + 'a'.repeat(1601));
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')).toEqual([
      '   LINE  ENCODING  SEGMENTS  LENGTH  CHARACTERS  NOTES',
      '      1  GSM-7            1       5           5',
      '      2  UCS-2            1       8           8  UCS-2 because of "“" "”"',
      '      3  GSM-7            0       0           0',
      '      4  GSM-7           11    1601        1601  too long to send as SMS',
      '',
    ]);
    const smart = await lines(['--smart-encoding'], '“Quoted”\n');
    expect(smart.stdout).toMatch(/^ {6}1 {2}GSM-7 {12}1 {7}8 {11}8 {2}2 look-alikes replaced$/m);
  });

  it('refuses --text with --lines, and an empty terminal for stdin', async () => {
    const both = await runCli(['segments', '--lines', '--text', 'x']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--lines counts each line of stdin or of --file; --text gives a single text/);
    const terminal = await runCli(['segments', '--lines']);
    expect(terminal.code).toBe(1);
    expect(terminal.stderr).toMatch(/nothing is piped[\s\S]*--file <path>/);
  });
});

describe('segments --file (spawned binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plivo-send-lines-'));

  it('--lines --file reads the lines from the file, in blocks larger than one read', async () => {
    // Over 1 MiB, so that lines and characters straddle the file's read blocks.
    const texts = Array.from({ length: 40_000 }, (_, i) => `${MIXED[i % MIXED.length]} #${i}`);
    const path = join(dir, 'texts.txt');
    writeFileSync(path, `${texts.join('\n')}\n`);
    const out = await runBin(['segments', '--lines', '--file', path, '--json']);
    expect(out.code).toBe(0);
    const results = parse(out.stdout);
    expect(results).toHaveLength(texts.length);
    const sample = [0, 3, 6, 12_345, 39_999];
    for (const i of sample) {
      const single = await runCli(['segments', '--text', texts[i]!, '--json']);
      expect(results[i]).toEqual({ line: i + 1, ...(JSON.parse(single.stdout) as object) });
    }
  });

  it('--file without --lines is one text, read like stdin', async () => {
    const path = join(dir, 'message.txt');
    writeFileSync(path, '\uFEFF“Smart quotes”\r\n');
    const out = await runBin(['segments', '--file', path, '--json']);
    expect(JSON.parse(out.stdout)).toMatchObject({ encoding: 'UCS-2', length: 14, parts: ['“Smart quotes”'] });
  });

  it('a file that cannot be read is an error naming --file and the path', async () => {
    for (const args of [['--lines'], []]) {
      const out = await runBin(['segments', ...args, '--file', join(dir, 'missing.txt')]);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/Cannot read --file .*missing\.txt: .*\(ENOENT\)/);
    }
    const directory = await runBin(['segments', '--lines', '--file', dir, '--json']);
    expect(directory.code).toBe(1);
    expect(JSON.parse(directory.stderr)).toMatchObject({ error: { code: 'usage', message: expect.stringMatching(/EISDIR/) as unknown } });
  });

  it('streams: a line is answered before the input ends', async () => {
    const child = spawn(process.execPath, [BIN, 'segments', '--lines', '--json'], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Enough lines to fill the output block, so that it is written while stdin is still open.
    child.stdin.write('Hello\n'.repeat(5000));
    await waitFor(() => stdout.includes('"line":1,'), 'the first result');
    expect(stdout).not.toContain('"line":5001,');
    child.stdin.end('last\n');
    expect(await closed).toBe(0);
    expect(parse(stdout).at(-1)).toMatchObject({ line: 5001, parts: ['last'] });
  });
});

describe('stdout left non-blocking by another program', () => {
  const python = spawnSync('python3', ['--version']).status === 0;
  // A pipe in O_NONBLOCK mode answers a full write with EAGAIN: the output goes on through Node's
  // stream from there, complete and in order.
  it.skipIf(!python)('loses nothing when a write would block (EAGAIN)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-nonblock-'));
    const path = join(dir, 'texts.txt');
    const count = 50_000;
    writeFileSync(path, Array.from({ length: count }, (_, i) => `Text number ${i}`).join('\n'));
    const nonBlocking =
      'import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execv(sys.argv[1], sys.argv[1:])';
    const child = spawn('python3', ['-c', nonBlocking, process.execPath, BIN, 'segments', '--lines', '--json', '--file', path], { env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const results = parse(stdout);
    expect(results).toHaveLength(count);
    expect(results.every((r, i) => r.line === i + 1 && (r.parts as string[])[0] === `Text number ${i}`)).toBe(true);
  });
});
