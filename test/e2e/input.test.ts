/**
 * Input as a user gives it, through the built binary: bytes that are not UTF-8, spreadsheet
 * encodings and separators, sender IDs, batch problems no row can fix, and repeated rows.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { BIN, cleanEnv, runBin, type Spawned } from '../helpers/spawn.js';

let server: FaultServer;
let env: Record<string, string>;
useFaultServer((s, e) => ((server = s), (env = e)));

/** Runs the binary with raw bytes on stdin (runBin only takes text). */
function runWithBytes(args: string[], stdin: Buffer, options: { env: Record<string, string>; cwd?: string }): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env, cwd: options.cwd ?? options.env.HOME, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function csvFile(content: string | Buffer, name = 'people.csv'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'plivo-send-input-')), name);
  writeFileSync(path, content);
  return path;
}

const bodies = () => server.posts().map((p) => p.json as Record<string, unknown>);

describe('text that is not valid UTF-8 is refused, never sent as U+FFFD', () => {
  it("printf 'Caf\\xe9' | plivo-send sms --text -: exit 1, the byte offset named, nothing sent", async () => {
    const out = await runWithBytes(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', '-'], Buffer.from([0x43, 0x61, 0x66, 0xe9]), { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/text: stdin is not valid UTF-8: byte offset 3 holds 0xE9/);
    expect(server.requests).toHaveLength(0);
  });

  it('a Latin-1 CSV: exit 1 naming the row, nothing sent; with --encoding latin1 it is sent as written', async () => {
    const latin1 = Buffer.concat([Buffer.from('dst,text\n14155550101,Hello\n14155550102,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const path = csvFile(latin1);
    const refused = await runBin(['sms', '--csv', path, '--src', '14155550100', '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/people\.csv is not valid UTF-8: row 2 holds 0xE9 .*at byte offset 42\. Nothing was sent\./);
    expect(refused.stderr).toMatch(/--encoding windows-1252/);
    expect(server.requests).toHaveLength(0);

    const sent = await runBin(['sms', '--csv', path, '--src', '14155550100', '--yes', '--encoding', 'latin1'], { env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(
      bodies()
        .map((b) => b.text)
        .sort(),
    ).toEqual(['Café', 'Hello']);
  });

  it('a Windows-1252 CSV (€ and curly quotes) is sent with those characters', async () => {
    const cp1252 = Buffer.concat([Buffer.from('dst;text\r\n14155550101;'), Buffer.from([0x93, 0x80, 0x35, 0x94]), Buffer.from('\r\n')]);
    const out = await runBin(['sms', '--csv', csvFile(cp1252), '--src', '14155550100', '--yes', '--encoding', 'windows-1252'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(bodies()).toEqual([{ src: '14155550100', dst: '14155550101', text: '“€5”', type: 'sms' }]);
  });

  it('a UTF-16LE CSV with its byte order mark is read without --encoding', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('dst\ttext\r\n14155550101\tПривет\r\n', 'utf16le')]);
    const out = await runBin(['sms', '--csv', csvFile(utf16), '--src', '14155550100', '--yes'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(bodies()).toEqual([{ src: '14155550100', dst: '14155550101', text: 'Привет', type: 'sms' }]);
  });

  it('--template @file that is not UTF-8: exit 1 naming the file and offset, nothing sent', async () => {
    const path = csvFile(Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('","language":"fr"}')]), 'template.json');
    const out = await runBin(['whatsapp', '--src', '14155550100', '--dst', '14155550101', '--template', `@${path}`], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/template: .*template\.json is not valid UTF-8: byte offset 12 holds 0xE9/);
    expect(server.requests).toHaveLength(0);
  });

  it('blank text is refused', async () => {
    const out = await runBin(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', '   '], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/text: is blank/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('sender IDs are sent as given or refused, never rewritten', () => {
  it.each([
    ['My-Shop', "src: 'My-Shop' may hold only letters A-Z a-z and digits 0-9 (an alphanumeric sender ID of at most 11 characters); '-' is not one"],
    ['MY SHOP', "src: 'MY SHOP' may hold only letters A-Z a-z and digits 0-9 (an alphanumeric sender ID of at most 11 characters); a space is not one"],
    ['Café', "src: 'Café' may hold only letters A-Z a-z and digits 0-9 (an alphanumeric sender ID of at most 11 characters); 'é' is not one"],
  ])('--src %j: exit 1 with the rule, nothing sent', async (src, line) => {
    const out = await runBin(['sms', '--src', src, '--dst', '14155550101', '--text', 'Hi'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(line);
    expect(server.requests).toHaveLength(0);
  });

  it('a valid sender ID goes out exactly; a numeric one written with + and spaces goes out as digits', async () => {
    expect((await runBin(['sms', '--src', 'MyShop', '--dst', '14155550101', '--text', 'Hi'], { env })).code).toBe(0);
    expect((await runBin(['sms', '--src', '+1 415 555 0100', '--dst', '14155550101', '--text', 'Hi'], { env })).code).toBe(0);
    expect(bodies().map((b) => b.src)).toEqual(['MyShop', '14155550100']);
  });
});

describe('batch problems no row can fix stop the run up front (exit 1, nothing sent, no confirmation)', () => {
  it('no sender, a placeholder naming no column and no dst: all listed together', async () => {
    const path = csvFile('phone,name\n14155550101,Ada\n14155550102,Bo\n');
    const out = await runBin(['sms', '--csv', path, '--text', 'Hi {{nmae}}'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("text: {{nmae}} names no column of the CSV (columns: phone, name); fix the placeholder or add a 'nmae' column");
    expect(out.stderr).toMatch(/csv: no 'dst' column/);
    expect(out.stderr).toMatch(/src: no sender: pass --src/);
    expect(out.stderr).not.toMatch(/confirm|--yes/);
    expect(server.requests).toHaveLength(0);
  });

  it('a default no column can override (--src, --url, an MMS without media) stops the run; a column that can is left to the rows', async () => {
    const people = csvFile('dst,name\n14155550101,Ada\n14155550102,Bo\n');
    let out = await runBin(['sms', '--csv', people, '--text', 'Hi {{name}}', '--src', 'My Shop', '--url', 'ftp://x', '--yes'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/src: 'My Shop' may hold only letters/);
    expect(out.stderr).toMatch(/url: must be an absolute http/);
    out = await runBin(['mms', '--csv', people, '--text', 'Hi {{name}}', '--src', '14155550100', '--yes'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/media_urls: MMS needs at least one attachment/);
    expect(server.requests).toHaveLength(0);
    // A src column may give each row a valid sender: the bad default only fails rows without one.
    out = await runBin(
      ['sms', '--csv', csvFile('dst,name,src\n14155550101,Ada,Shop\n14155550102,Bo,\n'), '--text', 'Hi {{name}}', '--src', 'My Shop', '--yes'],
      { env },
    );
    expect(out.code).toBe(6);
    expect(bodies()).toEqual([expect.objectContaining({ src: 'Shop', dst: '14155550101' })]);
  });

  it('the same in a dry run: exit 1, not one invalid row each and exit 6', async () => {
    const out = await runBin(['sms', '--csv', csvFile('dst,name\n14155550101,Ada\n'), '--text', 'Hi {{Name}}', '--src', '14155550100', '--dry-run', '--json'], {
      env,
    });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/\{\{Name\}\} names no column/);
  });
});

describe('CSV ergonomics', () => {
  it("a semicolon-separated file, --dst '{{Phone}}' from any column, media URLs with commas", async () => {
    const path = csvFile('Phone;name;media_urls\n+1 415 555 0101;Dupont, Jean;https://res.example.com/w_100,h_100/x.jpg https://e.com/b.jpg\n');
    const out = await runBin(['mms', '--csv', path, '--dst', '{{Phone}}', '--text', 'Bonjour {{name}}', '--src', '14155550100', '--yes'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(bodies()).toEqual([
      {
        src: '14155550100',
        dst: '14155550101',
        text: 'Bonjour Dupont, Jean',
        type: 'mms',
        media_urls: ['https://res.example.com/w_100,h_100/x.jpg', 'https://e.com/b.jpg'],
      },
    ]);
  });

  it('--delimiter tab', async () => {
    const out = await runBin(['sms', '--csv', csvFile('dst\ttext\n14155550101\tHi, there\n'), '--src', '14155550100', '--delimiter', 'tab', '--yes'], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(bodies()).toEqual([{ src: '14155550100', dst: '14155550101', text: 'Hi, there', type: 'sms' }]);
  });

  it("--dst '{{Phone}}' without --csv is refused: exit 1, nothing sent", async () => {
    const out = await runBin(['sms', '--src', '14155550100', '--dst', '{{Phone}}', '--text', 'Hi'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/dst: '\{\{Phone\}\}' is a placeholder: it is filled from a CSV column only in batch mode/);
    expect(server.requests).toHaveLength(0);
  });

  it('--skip-duplicates: each repeat is reported, not sent, the same in the plan, the send and the resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-dups-'));
    const path = csvFile('dst,text\n14155550101,Hi\n14155550102,Hi\n+1 415 555 0101,Hi\n14155550101,Hi!\n14155550102,Hi\n');
    const args = [
      'sms',
      '--csv',
      path,
      '--src',
      '14155550100',
      '--skip-duplicates',
      '--journal',
      join(dir, 'run.jsonl'),
      '--results',
      join(dir, 'results.jsonl'),
      '--yes',
    ];
    const out = await runBin(args, { env });
    expect(out.code).toBe(6);
    expect(out.stderr).toMatch(/2 duplicate rows skipped \(--skip-duplicates: same dst and text\): row 3 repeats row 1, row 5 repeats row 2/);
    expect(bodies().map((b) => `${String(b.dst)} ${String(b.text)}`)).toEqual(['14155550101 Hi', '14155550102 Hi', '14155550101 Hi!']);
    const results = () =>
      readFileSync(join(dir, 'results.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results().map((r) => [r.row, r.status, r.error])).toEqual([
      [1, 'sent', undefined],
      [2, 'sent', undefined],
      [3, 'invalid', 'duplicate of row 1 (--skip-duplicates)'],
      [4, 'sent', undefined],
      [5, 'invalid', 'duplicate of row 2 (--skip-duplicates)'],
    ]);

    const resumed = await runBin([...args, '--resume'], { env });
    expect(resumed.code).toBe(6);
    expect(server.posts()).toHaveLength(3);
    expect(results().map((r) => r.status)).toEqual(['sent', 'sent', 'invalid', 'sent', 'invalid']);
  });
});

describe('a dry run whose output is closed early (| head)', () => {
  it('still plans the whole file: the plan counts every row and the exit code sees the last one', async () => {
    const rows = 60_000;
    let csv = 'dst,text\n';
    for (let i = 1; i < rows; i++) csv += `1415${String(5000000 + i)},Hello number ${i}\n`;
    csv += '123,the last row is invalid\n';
    const path = csvFile(csv);
    const child = spawn(process.execPath, [BIN, 'sms', '--csv', path, '--src', '14155550100', '--dry-run'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Like `head -3`: read a little, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(stderr).toContain(`Plan for ${path} (sms): 60,000 rows, 59,999 valid, 1 invalid`);
    expect(stderr).toMatch(/row 60000: dst: '123' is too short/);
    expect(code).toBe(6);
  });
});
