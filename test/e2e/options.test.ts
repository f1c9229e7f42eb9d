/**
 * The command line as typed: a flag is never taken as another flag's value, and a flag that cannot
 * apply is refused rather than ignored. Every refusal sends nothing.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { spawn } from 'node:child_process';
import { BIN, runBin } from '../helpers/spawn.js';

let server: FaultServer;
let env: Record<string, string>;
useFaultServer((s, e) => ((server = s), (env = e)));

const SMS = ['sms', '--src', '14155550100', '--dst', '14155550101'];
const sentText = () => (server.posts()[0]?.json as { text?: string } | undefined)?.text;

describe('an option never takes another option as its value', () => {
  it.each([
    [[...SMS, '--text', '--dry-run'], '--text', '--dry-run'],
    [[...SMS, '--text', '--yes'], '--text', '--yes'],
    [[...SMS, '--text', '-h'], '--text', '-h'],
    [[...SMS, '--text', '-V'], '--text', '-V'],
    [[...SMS, '--text', '--'], '--text', '--'],
    [[...SMS, '--text', '--url=https://example.com/cb'], '--text', '--url=https://example.com/cb'],
    [['sms', '--src', '--dry-run', '--dst', '14155550101', '--text', 'hi'], '--src', '--dry-run'],
    [['sms', '--src', '14155550100', '--dst', '--json', '--text', 'hi'], '--dst', '--json'],
    [['mms', '--src', '14155550100', '--dst', '14155550101', '--media-url', 'https://e.com/a.png', '--text', '--yes'], '--text', '--yes'],
    [['whatsapp', '--src', '14155550100', '--dst', '14155550101', '--text', '--dry-run'], '--text', '--dry-run'],
    [['segments', '--text', '--json'], '--text', '--json'],
    [['status', '3a1f1c0e-6b1d-11ef-8a3b-0242ac110002', '--profile', '--json'], '--profile', '--json'],
  ])('%j is a usage error naming the option, and sends nothing', async (args, option, value) => {
    const out = await runBin(args, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${option} is missing its value: the next argument, '${value}', is a flag of plivo-send ${args[0]}`);
    expect(out.stderr).toContain(`${option}=${value}`);
    expect(out.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [[...SMS, '--text', '--dryrun'], '--dryrun'],
    [[...SMS, '--text', '--not-a-flag of sms'], '--not-a-flag of sms'],
  ])('%j: anything written like a flag (a typo) is refused too', async (args, value) => {
    const out = await runBin(args, { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`--text is missing its value: the next argument, '${value}', is written like a flag, not a value.`);
    expect(out.stderr).toContain(`--text=${value}`);
    expect(server.requests).toHaveLength(0);
  });

  it('sandbox: a flag after --auth-token is refused instead of becoming the token', async () => {
    const out = await runBin(['sandbox', '--port', '0', '--auth-token', '--no-rate-limit'], { env, timeoutMs: 20_000 });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--auth-token is missing its value/);
  });

  it('with --json the refusal is a JSON error on stderr', async () => {
    const out = await runBin([...SMS, '--json', '--text', '--yes'], { env });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'usage', exit_code: 1 } });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [['--text=--yes'], '--yes'],
    [['--text', '-5% today'], '-5% today'],
    [['--text', '-x'], '-x'],
    [['--text', '--- sale ---'], '--- sale ---'],
    [['--text=--dryrun'], '--dryrun'],
  ])('%j is a value and is sent as written', async (text, expected) => {
    const out = await runBin([...SMS, ...text], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()).toHaveLength(1);
    expect(sentText()).toBe(expected);
  });

  it('--text - still reads stdin', async () => {
    const out = await runBin([...SMS, '--text', '-'], { env, stdin: '--yes\n' });
    expect(out.code, out.stderr).toBe(0);
    expect(sentText()).toBe('--yes');
  });
});

describe('a flag that cannot apply is refused, not ignored', () => {
  const csvDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-options-'));
    writeFileSync(join(dir, 'people.csv'), 'dst,name\n14155550101,Ada\n');
    return dir;
  };

  it.each([
    [['--yes'], '--yes'],
    [['--journal', 'run.jsonl'], '--journal'],
    [['--results', 'results.jsonl'], '--results'],
    [['--rate', '5'], '--rate'],
    [['--concurrency', '2'], '--concurrency'],
    [['--resume'], '--resume'],
    [['--encoding', 'latin1'], '--encoding'],
    [['--delimiter', ';'], '--delimiter'],
    [['--skip-duplicates'], '--skip-duplicates'],
  ])('single send with %j: usage error saying it needs --csv', async (extra, flag) => {
    const out = await runBin([...SMS, '--text', 'hi', ...extra], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${flag} applies only to batch sends, and this is a single send (no --csv).`);
    expect(out.stderr).toMatch(/--csv <path\|->/);
    expect(server.requests).toHaveLength(0);
  });

  it('several batch-only flags are named together', async () => {
    const out = await runBin([...SMS, '--text', 'hi', '--yes', '--journal', 'j.jsonl', '--rate', '5'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('--yes, --rate and --journal apply only to batch sends');
    expect(server.requests).toHaveLength(0);
  });

  it('--wait on a batch is refused and points at status', async () => {
    const cwd = csvDir();
    const out = await runBin(['sms', '--csv', 'people.csv', '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', '--wait', '5'], { env, cwd });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--wait is for single sends/);
    expect(out.stderr).toMatch(/plivo-send status/);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [['--wait'], '--wait'],
    [['--sandbox'], '--sandbox'],
    [['--wait', '5', '--sandbox'], '--wait and --sandbox'],
  ])('--dry-run with %j is refused: a dry run sends nothing to follow', async (extra, named) => {
    const out = await runBin([...SMS, '--text', 'hi', '--dry-run', ...extra], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`--dry-run sends nothing, so ${named} cannot apply.`);
    expect(out.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('batch flags with --csv are still accepted', async () => {
    const cwd = csvDir();
    const out = await runBin(
      ['sms', '--csv', 'people.csv', '--src', '14155550100', '--text', 'Hi {{name}}', '--yes', '--rate', '5', '--results', 'out.jsonl'],
      { env, cwd },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(server.posts()).toHaveLength(1);
  });
});

describe('numeric settings outside their range are refused, naming the range', () => {
  it.each([
    [['--timeout', '3000000'], /--timeout must be a number from 0\.1 to 600 \(seconds\)/],
    [['--timeout', '0'], /--timeout must be a number from 0\.1 to 600 \(seconds\)/],
    [['--wait', '100000'], /--wait must be a number from 1 to 86,400 \(seconds\)/],
  ])('single send %j', async (extra, message) => {
    const out = await runBin([...SMS, '--text', 'hi', ...extra], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [['--rate', '0'], /--rate must be a number from 0\.1 to 1,000 \(requests per second\)/],
    [['--rate', '5000'], /--rate must be a number from 0\.1 to 1,000 \(requests per second\)/],
    [['--concurrency', '101'], /--concurrency must be a whole number from 1 to 100 \(requests\)/],
    [['--concurrency', '2.5'], /--concurrency must be a whole number from 1 to 100 \(requests\)/],
    [['--settle', '-1'], /--settle must be a number from 0 to 600 \(seconds\)/],
  ])('batch %j', async (extra, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-ranges-'));
    writeFileSync(join(dir, 'people.csv'), 'dst,name\n14155550101,Ada\n');
    const out = await runBin([...SMS.slice(0, 3), '--csv', 'people.csv', '--text', 'Hi {{name}}', '--yes', ...extra], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('a config file value outside its range names the file, the key and the range', async () => {
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'plivo'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'plivo', 'config.json'), JSON.stringify({ rate: 0 }));
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-ranges-'));
    writeFileSync(join(dir, 'people.csv'), 'dst,name\n14155550101,Ada\n');
    const out = await runBin([...SMS.slice(0, 3), '--csv', 'people.csv', '--text', 'Hi {{name}}', '--yes'], { env, cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/config\.json has settings plivo-send cannot use:\n {2}rate: must be from 0\.1 to 1000 \(requests per second\)/);
    expect(server.requests).toHaveLength(0);
  });

  it("a --rate above Plivo's 60 requests a second is sent with a warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-ranges-'));
    writeFileSync(join(dir, 'people.csv'), 'dst,name\n14155550101,Ada\n');
    const out = await runBin([...SMS.slice(0, 3), '--csv', 'people.csv', '--text', 'Hi {{name}}', '--yes', '--rate', '100'], { env, cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/--rate 100 is above Plivo's limit of 60 requests per second/);
    expect(server.posts()).toHaveLength(1);
  });
});

describe('arguments that are not UTF-8', () => {
  it('--text with a Latin-1 byte (Node shows it as U+FFFD) is refused, nothing sent', async () => {
    // bash turns $'\xe9' into the single byte 0xE9, as a Latin-1 terminal or file would.
    const script = `exec "$0" "$1" sms --src 14155550100 --dst 14155550101 --text $'Caf\\xe9'`;
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script, process.execPath, BIN], { env });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("The argument after --text is not valid UTF-8: 'Caf\uFFFD'");
    expect(server.requests).toHaveLength(0);
  });
});
