import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/spawn.js';

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

  it('needs no credentials and no config, and warns when too long to send', async () => {
    const out = await runBin(['segments', '--text', 'a'.repeat(1601)]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/Too long to send as SMS/);
  });
});
