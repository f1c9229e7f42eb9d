import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSegmentsFlags, run } from '../../src/cli.js';
import { makeProgram, runProgram } from '../../src/program.js';
import type { Io } from '../../src/io.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import { runPiped } from '../helpers/io.js';

describe('plivo-send segments (spawned binary)', () => {
  it('counts a GSM-7 text with an extension character, as JSON', async () => {
    const out = await runBin(['segments', '--text', 'Price: 5€', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ encoding: 'GSM-7', segments: 1, length: 10, non_gsm: [], parts: ['Price: 5€'] });
  });

  it('reads stdin when --text is absent, dropping the BOM and one trailing newline', async () => {
    const out = await runBin(['segments', '--json'], { stdin: '\uFEFFHello\n' });
    expect(JSON.parse(out.stdout)).toMatchObject({ encoding: 'GSM-7', length: 5 });
  });

  it('names the characters that forced UCS-2 and suggests --smart-encoding', async () => {
    const out = await runBin(['segments', '--text', '“Quoted”']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Encoding +UCS-2/);
    expect(out.stdout).toMatch(/UCS-2 because of "“" U\+201C, "”" U\+201D/);
    expect(out.stdout).toMatch(/--smart-encoding would make this GSM-7/);
  });

  it('--smart-encoding counts the replaced text', async () => {
    const out = await runBin(['segments', '--text', '“Quoted”', '--smart-encoding', '--json']);
    expect(JSON.parse(out.stdout)).toMatchObject({ encoding: 'GSM-7', segments: 1, length: 8, text: '"Quoted"' });
  });

  it('shows each part of a multi-part message; an escape pair moves whole', async () => {
    const text = `${'x'.repeat(152)}{${'x'.repeat(152)}`;
    const out = await runBin(['segments', '--text', text, '--json']);
    const json = JSON.parse(out.stdout) as { segments: number; parts: string[] };
    expect(json.segments).toBe(3);
    // 152 + ('{' = 2 septets + 151) + 1: the pair starts the second part.
    expect(json.parts.map((p) => p.length)).toEqual([152, 152, 1]);
    expect(json.parts[1]!.startsWith('{')).toBe(true);
  });

  it('--version and -V print the version alone', async () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) expect(await runBin([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a reader that stops early (| head -1) ends the output quietly, exit 0', async () => {
    // pipefail: the exit code is plivo-send's, not head's.
    const env = cleanEnv();
    const texts = join(env.HOME!, 'texts.txt');
    writeFileSync(texts, 'Hello\n'.repeat(200_000));
    const script = `set -o pipefail; "${process.execPath}" "${BIN}" segments --lines --json < "${texts}" | head -1`;
    const out = spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ line: 1, segments: 1 });
  });

  it('needs no credentials and no config, and warns when too long to send', async () => {
    const out = await runBin(['segments', '--text', 'a'.repeat(1601)]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/Too long to send as SMS/);
  });
});

const runWith = runPiped;

describe('segments without commander (src/cli.ts reads its flags for start-up time)', () => {
  // Every form the short way takes, and forms it leaves to commander: both must answer alike.
  const cases: string[][] = [
    ['segments', '--text', 'hello', '--json'],
    ['segments', '--json', '--text', 'Price: 5€'],
    ['segments', '--text=--dry-run', '--json'],
    ['segments', '--text=', '--json'],
    ['segments', '--text', '“Quoted”', '--smart-encoding'],
    ['segments', '--text', '-', '--json'],
    ['segments', '--json'],
    ['segments', '--lines', '--json'],
    ['segments', '--lines', '--text', 'x'],
    ['segments', '--file', '/nonexistent/texts.txt'],
    ['segments', '--file', '/nonexistent/texts.txt', '--text', 'x', '--json'],
    ['segments', '--text', '--json'],
    ['segments', '--text', '-x'],
    ['segments', '--text'],
    ['segments', '--json=1', '--text', 'x'],
    ['segments', '--json', '--json', '--text', 'x'],
    ['segments', '--text', 'a', '--text', 'b'],
    ['segments', '--txt', 'hi'],
    ['segments', 'extra'],
    ['segments', '--text', 'caf\uFFFD'],
    ['segments', '--', '--text', 'x'],
    ['segments', '-h'],
    ['segments', '--help'],
    ['--version'],
    ['-V'],
  ];
  it.each(cases.map((argv) => [argv.join(' '), argv] as const))('%s', async (_name, argv) => {
    const fast = await runWith(run, argv, 'Hello\n“Quoted”\n');
    const commander = await runWith(runProgram, argv, 'Hello\n“Quoted”\n');
    expect(fast).toEqual(commander);
  });

  it('takes the short way for its own flags only, and every flag of the command', () => {
    const flags = makeProgram({ io: {} as Io, version: '0' }, { exitCode: 0, json: false, debug: false }, 'segments')
      .commands.find((c) => c.name() === 'segments')!
      .options.map((o) => ({ long: o.long!, value: o.required }));
    expect(flags.map((f) => f.long).sort()).toEqual(['--file', '--json', '--lines', '--smart-encoding', '--text']);
    for (const flag of flags) expect(readSegmentsFlags(['segments', flag.long, ...(flag.value ? ['v'] : [])]), flag.long).toBeDefined();
    expect(readSegmentsFlags(['segments', '--debug'])).toBeUndefined();
    expect(readSegmentsFlags(['sms', '--text', 'x'])).toBeUndefined();
    expect(readSegmentsFlags(['segments', '--text', 'x', '--smart-encoding', '--json'])).toEqual({ text: 'x', smartEncoding: true, json: true });
  });
});

describe('output that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('a full disk is an error of its own (exit 1), not an internal error, from either bundle', () => {
    for (const args of [['segments', '--text', 'hi'], ['--help'], ['sms', '--help']]) {
      const fd = openSync('/dev/full', 'w');
      try {
        const out = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
        expect(out.status, args.join(' ')).toBe(1);
        expect(out.stderr).toContain('Cannot write the output: no space left on device (ENOSPC).');
        expect(out.stderr).not.toContain('Internal error');
      } finally {
        closeSync(fd);
      }
    }
  });
});
