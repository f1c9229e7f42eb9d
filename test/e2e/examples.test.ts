/**
 * Every example the user is shown — the README's `sh` blocks and the "Examples:" of every `--help`
 * — runs as written (bash, with `plivo-send` on PATH) against a local sandbox whose credentials
 * come from the environment, in a directory holding the files the examples name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Examples that cannot run here, and why. */
const SKIPPED: Array<[RegExp, string]> = [
  [/^npm /, 'installs, builds or tests this checkout (the test suite itself)'],
  [/^export /, "sets credentials; the test supplies the sandbox's own through the environment instead"],
  [/^plivo-send sandbox\b/, 'serves until Ctrl-C; test/e2e/sandbox.test.ts runs it'],
  [/^plivo-send listen\b/, 'serves until Ctrl-C; test/listen/e2e.test.ts runs it'],
];

/** Examples whose documented outcome is not exit 0. */
const EXPECTED_CODE: Array<[RegExp, number, string]> = [
  [/^plivo-send status 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002\b/, 1, 'an illustrative uuid: the sandbox has no such message (not found, exit 1)'],
  [/^plivo-send sms .*--dst 41\d+ .*--max-cost\b/, 5, 'a Swiss number: the sandbox has no price for CH, so --max-cost refuses (exit 5)'],
  [/^plivo-send sms .*--suppress opt-outs\.txt/, 1, 'a single send to a number on the suppression list is refused (exit 1)'],
];

interface Example {
  source: string;
  command: string;
  /** Commands of one block share a home and a working directory (a journal, then `--resume`). */
  group: string;
}

function readmeExamples(): Example[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  // Blocks inside list items are indented: the fence's indentation is stripped from each line.
  const blocks = [...readme.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)].map((m) => m[2]!.split('\n').map((l) => l.slice(m[1]!.length)));
  return blocks.flatMap((lines, i) => {
    // A block showing a session marks commands with "$ "; its other lines are output.
    const session = lines.some((l) => l.startsWith('$ '));
    const commands = session ? lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)) : lines.filter((l) => l.trim() !== '' && !l.startsWith('#'));
    return commands.map((command) => ({ source: `README block ${i + 1}`, command, group: `readme-${i}` }));
  });
}

/** Every command whose --help shows examples (`config` itself only lists its subcommands). */
const HELP_COMMANDS = [
  '',
  'sms',
  'mms',
  'whatsapp',
  'segments',
  'status',
  'sandbox',
  'listen',
  'messages',
  'report',
  'completion',
  'config init',
  'config show',
  'config path',
];

function helpExamples(): Example[] {
  return HELP_COMMANDS.flatMap((name) => {
    const help = execFileSync(process.execPath, [BIN, ...(name ? name.split(' ') : []), '--help'], { encoding: 'utf8', env: cleanEnv() });
    return [...help.matchAll(/^ {2}\$ (.+)$/gm)].map((m) => ({
      source: `plivo-send ${name} --help`.replace('  ', ' '),
      command: m[1]!,
      group: `help-${name}`,
    }));
  });
}

const EXAMPLES = [...readmeExamples(), ...helpExamples()];
const skipReason = (command: string) => SKIPPED.find(([pattern]) => pattern.test(command))?.[1];

let sandbox: Sandbox;
let bin: string;
const homes = new Map<string, string>();

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, deliveryDelayMs: 10, rateLimit: false });
  bin = mkdtempSync(join(tmpdir(), 'plivo-send-examples-bin-'));
  writeFileSync(join(bin, 'plivo-send'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(bin, 'plivo-send'), 0o755);
});
afterAll(() => sandbox?.close());

/** A home with a project directory in it holding the files the examples name. */
function makeHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'plivo-send-examples-'));
  const work = join(home, 'project');
  mkdirSync(work);
  cpSync(join(ROOT, 'examples'), join(work, 'examples'), { recursive: true });
  cpSync(join(ROOT, '.plivorc.example'), join(work, '.plivorc.example'));
  writeFileSync(join(work, 'recipients.csv'), 'dst,name,code\n14155550101,Ada,4417\n14155550102,Bob,5520\n');
  writeFileSync(join(work, 'people.csv'), 'dst,name,code\n14155550103,Grace,1906\n14155550104,Alan,1912\n');
  writeFileSync(join(work, 'message.txt'), '“Smart quotes” make this UCS-2\n');
  // A European spreadsheet export: semicolons, Windows-1252 (é is the byte 0xE9).
  writeFileSync(join(work, 'export.csv'), Buffer.from('Mobile;Prénom\r\n33612345678;Zoé\r\n', 'latin1'));
  return home;
}

function runExample(example: Example): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = homes.get(example.group) ?? makeHome();
  homes.set(example.group, home);
  const env = {
    ...cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config') }),
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    PLIVO_API_URL: sandbox.url,
    PLIVO_AUTH_ID: sandbox.authId,
    PLIVO_AUTH_TOKEN: sandbox.authToken,
  };
  return new Promise((resolve, reject) => {
    // A session of its own, without a terminal, as under CI (a batch would ask on /dev/tty).
    const child = spawn('bash', ['-c', example.command], { env, cwd: join(home, 'project'), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

describe('every documented example runs as written', () => {
  it('finds the examples (README and every --help)', () => {
    expect(EXAMPLES.filter((e) => e.source.startsWith('README')).length).toBeGreaterThan(20);
    expect(EXAMPLES.filter((e) => e.source.includes('--help')).length).toBeGreaterThan(15);
    const withoutExamples = HELP_COMMANDS.filter((name) => !EXAMPLES.some((e) => e.group === `help-${name}`));
    expect(withoutExamples, 'commands whose --help shows no "$ plivo-send …" example').toEqual([]);
  });

  it.each(EXAMPLES.map((e) => [e.source, e.command, e] as const))(
    '%s: %s',
    async (_source, command, example) => {
      const reason = skipReason(command);
      if (reason !== undefined) return void expect(reason).not.toBe('');
      const expected = EXPECTED_CODE.find(([pattern]) => pattern.test(command));
      const out = await runExample(example);
      expect(out.code, `${out.stderr}\n${out.stdout}`).toBe(expected?.[1] ?? 0);
      expect(out.stderr).not.toMatch(/Internal error/);
    },
    90_000,
  );
});

describe('.plivorc.example copied as it is, where README says (the user config file)', () => {
  const dryRun = async (extra: string[]) => {
    const home = makeHome();
    mkdirSync(join(home, '.config', 'plivo'), { recursive: true });
    cpSync(join(ROOT, '.plivorc.example'), join(home, '.config', 'plivo', 'config.json'));
    chmodSync(join(home, '.config', 'plivo', 'config.json'), 0o600);
    const out = await runBin(['sms', '--dst', '14155550101', '--text', 'Your code is 123456', '--dry-run', '--json', ...extra], {
      env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config') }),
      cwd: join(home, 'project'),
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout) as { url: string; body: Record<string, unknown> };
  };

  it('adds nothing to a message but its sender: no DLT fields, no callback, no delivery options', async () => {
    const request = await dryRun([]);
    expect(request.body).toEqual({ src: '14155550100', dst: '14155550101', text: 'Your code is 123456', type: 'sms' });
    expect(request.url).toBe('https://api.plivo.com/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/');
  });

  it('its profiles add what they are named for', async () => {
    expect((await dryRun(['--profile', 'tracked'])).body).toMatchObject({ url: 'https://example.com/plivo/status', method: 'POST', trackable: true });
    const india = await dryRun(['--profile', 'india']);
    expect(india.body).toMatchObject({ src: 'PLIVOS', dlt_entity_id: '1201159146834474771', dlt_template_category: 'service_implicit' });
    expect(india.url).toContain('/Account/SAXXXXXXXXXXXXXXXXXX/');
    expect((await dryRun(['--profile', 'marketing'])).body).toMatchObject({ powerpack_uuid: '2f6c4a9e-1b7d-4c1e-9a5f-3d2b8e7c6a10' });
  });
});
