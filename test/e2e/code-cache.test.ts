/**
 * The code cache (src/program-loader.ts): a run keeps the program's compiled code in the user cache
 * directory, the next run of that command uses it, and a cache file that is damaged, stale, not
 * private, or cannot be written never changes what a command does.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runBin } from '../helpers/spawn.js';

const PROGRAM = new URL('../../dist/program.cjs', import.meta.url);
const SEND = ['sms', '--dst', '14155550100', '--src', '14155550101', '--text', 'Hi there', '--dry-run', '--json'];

function setup(): { env: Record<string, string>; dir: string; file: string } {
  const env = cleanEnv();
  const dir = join(env.HOME!, '.cache', 'plivo-send', 'code');
  return { env, dir, file: join(dir, 'sms-dry-run.bin') };
}

const sourceHash = (): Buffer => createHash('sha1').update(readFileSync(PROGRAM)).digest();

describe('code cache', () => {
  it('a run keeps the compiled code, private, tagged with the source it was made from; the next run uses it as it is', async () => {
    const { env, dir, file } = setup();
    const first = await runBin(SEND, { env });
    expect(first.code).toBe(0);
    const data = readFileSync(file);
    expect(data.subarray(0, 20).equals(sourceHash())).toBe(true);
    expect(data.length).toBeGreaterThan(10_000);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const second = await runBin(SEND, { env });
    expect(second).toEqual(first);
    // Taken, not rejected: the file is not written again.
    expect(readFileSync(file).equals(data)).toBe(true);
  });

  it('one file per command, and for sends one per batch or single send, dry run or not', async () => {
    const { env, dir } = setup();
    writeFileSync(join(env.HOME!, 'list.csv'), 'dst,name\n14155550100,Ann\n');
    expect((await runBin(['sms', '--csv', 'list.csv', '--src', '14155550101', '--text', 'Hi {{name}}', '--dry-run', '--json'], { env })).code).toBe(0);
    expect((await runBin(['sms', '--help'], { env })).code).toBe(0);
    expect((await runBin(['nonsense'], { env })).code).toBe(1);
    expect(['sms-batch-dry-run.bin', 'sms.bin', 'other.bin'].map((name) => existsSync(join(dir, name)))).toEqual([true, true, true]);
  });

  it.each([
    ['damaged data after the right source tag', (data: Buffer) => Buffer.concat([data.subarray(0, 40), Buffer.alloc(data.length - 40, 7)])],
    // V8 does not check the data itself: this once crashed the process (a segmentation fault).
    [
      'a few bytes changed in the middle of the data',
      (data: Buffer) => {
        const spoilt = Buffer.from(data);
        for (let i = 5_000; i < 5_064; i++) spoilt[i]! ^= 0xff;
        return spoilt;
      },
    ],
    [
      'the second half of the data zeroed',
      (data: Buffer) => Buffer.concat([data.subarray(0, data.length >> 1), Buffer.alloc(data.length - (data.length >> 1))]),
    ],
    ['a tag of another source', (data: Buffer) => Buffer.concat([Buffer.alloc(20, 1), data.subarray(20)])],
    ['a file cut short', (data: Buffer) => data.subarray(0, 30)],
  ])('%s: the run is the same, and the file is made again', async (_name, spoil) => {
    const { env, file } = setup();
    const clean = await runBin(SEND, { env });
    const good = readFileSync(file);
    writeFileSync(file, spoil(good));
    const run = await runBin(SEND, { env });
    expect(run).toEqual(clean);
    const remade = readFileSync(file);
    expect(remade.subarray(0, 20).equals(sourceHash())).toBe(true);
    expect(remade.length).toBeGreaterThan(10_000);
  });

  it('a cache file others may write is not used, and is replaced by a private one', async () => {
    const { env, file } = setup();
    await runBin(SEND, { env });
    const good = readFileSync(file);
    writeFileSync(file, Buffer.concat([good.subarray(0, 40), Buffer.alloc(good.length - 40, 7)]));
    chmodSync(file, 0o666);
    expect((await runBin(SEND, { env })).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a cache directory that cannot be written: the command runs, and says nothing of it', async () => {
    const env = cleanEnv();
    // XDG_CACHE_HOME/plivo-send is a file: nothing can be made under it.
    mkdirSync(join(env.HOME!, 'cache'));
    writeFileSync(join(env.HOME!, 'cache', 'plivo-send'), 'not a directory');
    env.XDG_CACHE_HOME = join(env.HOME!, 'cache');
    const run = await runBin(SEND, { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ body: { dst: '14155550100', text: 'Hi there' } });
  });

  it('a symlink in place of the cache file is not followed, and the file it points to is left alone', async () => {
    const { env, dir, file } = setup();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const victim = join(env.HOME!, 'victim.txt');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, file);
    const run = await runBin(SEND, { env });
    expect(run.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(file).isFile()).toBe(true);
  });

  it('a FIFO in place of the cache file does not hold the command up', async () => {
    const { env, dir, file } = setup();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [file]);
    const run = await runBin(SEND, { env, timeoutMs: 10_000 });
    expect(run.code).toBe(0);
    expect(lstatSync(file).isFile()).toBe(true);
  });

  it('a cache directory others may write to is neither read nor written', async () => {
    const { env, dir, file } = setup();
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const run = await runBin(SEND, { env });
    expect(run.code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it.each([
    ['an ES module (.mjs)', 'plivo.config.mjs', undefined],
    ['a .js file in a "type": "module" package', 'plivo.config.js', '{"type":"module"}'],
    ['a CommonJS file', 'plivo.config.cjs', undefined],
  ])('a config file named with --config that is %s loads on every run, cache or not, with nothing on stderr', async (_name, name, packageJson) => {
    const { env } = setup();
    const cfg = join(env.HOME!, 'cfg');
    mkdirSync(cfg);
    if (packageJson) writeFileSync(join(cfg, 'package.json'), packageJson);
    writeFileSync(
      join(cfg, name),
      `${name.endsWith('.cjs') ? 'module.exports =' : 'export default'} { src: '14155550177', url: 'https://cfg.example.com/cb' };\n`,
    );
    const args = ['sms', '--dst', '14155550100', '--text', 'Hi', '--dry-run', '--json', '--config', join(cfg, name)];
    expect((await runBin(SEND, { env })).code).toBe(0); // a cache for the command exists
    for (let i = 0; i < 2; i++) {
      const run = await runBin(args, { env });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ body: { src: '14155550177', url: 'https://cfg.example.com/cb' } });
    }
  });
});
