/**
 * The published package: `npm pack` of the built checkout, installed with `npm install --global`
 * into a temporary prefix, offline, and run from there with Node alone. The bundles in dist/ hold
 * everything running needs, so the package has no runtime dependencies and installs without the
 * registry. Needs `npm run build` first, as the end-to-end tests do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../helpers/spawn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let work: string;
let tarball: string;
let files: string[];
let prefix: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'plivo-send-pack-'));
  // --ignore-scripts: the checkout is built already (prepare would build it again).
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'error' },
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);
  prefix = join(work, 'prefix');
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
}, 60_000);

/** The installed command (its `#!/usr/bin/env node` finds Node on PATH), run with Node and nothing else. */
function plivoSend(args: string[]): string {
  const env = cleanEnv({ PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });
  return execFileSync(join(prefix, 'bin', 'plivo-send'), args, { cwd: env.HOME, env, encoding: 'utf8' });
}

describe('npm pack', () => {
  it(`names the tarball plivo-send-${version}.tgz`, () => {
    expect(tarball.endsWith(`plivo-send-${version}.tgz`)).toBe(true);
  });

  it('has no runtime dependencies: the bundles hold them', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('holds what running needs, and nothing of the sources, tests or benchmarks', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/plivo-send.js', 'dist/lib.js', 'dist/types/lib.d.ts']));
    expect(files.filter((f) => /^dist\/cli\.c?js$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => !/^(bin\/|dist\/|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    expect(files.filter((f) => /^dist\/core\/|\.test\.|\.map$/.test(f))).toEqual([]);
  });
});

describe('installed from the tarball, run with Node alone', () => {
  it('plivo-send --version', () => {
    expect(plivoSend(['--version'])).toBe(`${version}\n`);
  });

  it('plivo-send sms --sandbox sends to the local sandbox', () => {
    const response = JSON.parse(plivoSend(['sms', '--sandbox', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hello', '--json'])) as {
      message: string;
      message_uuid: string[];
    };
    expect(response.message).toBe('message(s) queued');
    expect(response.message_uuid).toHaveLength(1);
  });

  it('a project importing the library gets countSegments and its types (checked by tsc)', () => {
    const project = join(work, 'consumer');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(join(prefix, 'lib', 'node_modules', 'plivo-send'), join(project, 'node_modules', 'plivo-send'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { countSegments, type SegmentsReport, type Encoding } from 'plivo-send';
const report: SegmentsReport = countSegments('Price: 5€', { smartEncoding: true });
const encoding: Encoding = report.encoding;
const segments: number = report.segments;
const parts: string[] = report.parts;
// @ts-expect-error the text must be a string
countSegments(42);
// @ts-expect-error no such option
countSegments('x', { smart: true });
export { encoding, segments, parts };
`,
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', 'consumer.ts'];
    expect(execFileSync(process.execPath, [tsc, ...args], { cwd: project, encoding: 'utf8' })).toBe('');

    writeFileSync(join(project, 'consumer.js'), "import { countSegments } from 'plivo-send'; console.log(JSON.stringify(countSegments('Price: 5€')));");
    const fromLibrary = execFileSync(process.execPath, ['consumer.js'], { cwd: project, encoding: 'utf8' });
    expect(fromLibrary).toBe(plivoSend(['segments', '--text', 'Price: 5€', '--json']));
  }, 60_000);
});
