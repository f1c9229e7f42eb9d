import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/io.js';
import { VERSION } from '../../src/version.js';

describe('public surface', () => {
  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('--version prints the version and exits 0', async () => {
    const out = await runCli(['--version']);
    expect(out).toEqual({ code: 0, stdout: '0.0.0-test\n', stderr: '' });
  });

  it.each(['sms', 'mms', 'whatsapp', 'segments', 'status', 'sandbox', 'listen', 'messages', 'report', 'completion'])('%s --help is pinned', async (command) => {
    const out = await runCli([command, '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatchSnapshot();
  });

  it.each([
    ['config', 'init'],
    ['config', 'show'],
    ['config', 'path'],
  ])('%s %s --help is pinned', async (command, sub) => {
    const out = await runCli([command, sub, '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatchSnapshot();
  });

  it('top-level --help lists every command', async () => {
    const out = await runCli(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatchSnapshot();
  });

  it('no arguments prints help and exits 1', async () => {
    const out = await runCli([]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/Usage: plivo-send/);
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    const out = await runCli(['smss']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Unknown command 'smss'/);
    expect(out.stderr).toMatch(/Did you mean sms\?/);
  });

  it('an unknown flag is a usage error naming the command help', async () => {
    const out = await runCli(['segments', '--txt', 'hi']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Unknown option '--txt'/);
    expect(out.stderr).toMatch(/See plivo-send segments --help/);
  });

  it('usage errors are JSON on stderr with --json', async () => {
    const out = await runCli(['sms', '--json', '--concurrency', '500']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'usage', exit_code: 1 } });
  });
});
