import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { countSegments } from '../../src/lib.js';
import { runCli } from '../helpers/io.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const TEXTS: Array<[string, string]> = [
  ['empty', ''],
  ['GSM-7', 'Hello'],
  ['an extension character', 'Price: 5€'],
  ['look-alikes', '“Quoted” — text'],
  ['two segments', 'x'.repeat(161)],
  ['an emoji', '😀 emoji'],
  ['over the limit', 'a'.repeat(1601)],
  ['a newline', 'Line one\nLine two'],
];

describe('countSegments (the library) returns what segments --json prints', () => {
  it.each(TEXTS.flatMap(([name, text]) => [[name, false, text] as const, [name, true, text] as const]))(
    '%s, smartEncoding %s',
    async (_name, smartEncoding, text) => {
      const out = await runCli(['segments', '--text', text, '--json', ...(smartEncoding ? ['--smart-encoding'] : [])]);
      expect(out.code).toBe(0);
      // The same keys in the same order: compared as the JSON text.
      expect(JSON.stringify(countSegments(text, { smartEncoding }))).toBe(out.stdout.trim());
    },
  );

  it('refuses a text that is not a string, as a TypeError', () => {
    expect(() => countSegments(42 as unknown as string)).toThrow(new TypeError('countSegments: text must be a string, not number'));
  });
});

describe("import { countSegments } from 'plivo-send'", () => {
  it('resolves through the package exports to the separate bundle', () => {
    const program = "import { countSegments } from 'plivo-send'; console.log(JSON.stringify(countSegments('Price: 5€')));";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(countSegments('Price: 5€'));
  });

  it('loads no other module: not the CLI, commander, got or the sandbox', () => {
    const bundle = readFileSync(new URL('../../dist/lib.js', import.meta.url), 'utf8');
    expect(bundle).not.toMatch(/^\s*import\s|\bimport\(|\brequire\(/m);
    expect(bundle).not.toMatch(/commander|got|startSandbox|PlivoClient/);
  });
});
