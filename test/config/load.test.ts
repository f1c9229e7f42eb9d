import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadError, loadConfig, readableBy } from '../../src/config/load.js';

function home(): string {
  return mkdtempSync(join(tmpdir(), 'plivo-send-load-'));
}

async function errorOf(promise: Promise<unknown>): Promise<{ message: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { message: string; hint?: string };
  }
  throw new Error('no error');
}

describe('loadConfig: JavaScript config files are never run by a search', () => {
  it('skips a .plivorc.js in the search (it does not run), says how to load it, and reads the .plivorc next to it', async () => {
    const dir = home();
    const marker = join(dir, 'ran');
    writeFileSync(join(dir, '.plivorc.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = { src: 'FROMJS' };`);
    writeFileSync(join(dir, '.plivorc'), 'src: "14155550100"\n', { mode: 0o600 });
    const loaded = await loadConfig({ cwd: dir, homedir: dir, env: {} });
    expect(loaded.config).toEqual({ src: '14155550100' });
    expect(loaded.filepath).toBe(join(dir, '.plivorc'));
    expect(existsSync(marker)).toBe(false);
    expect(loaded.warnings).toEqual([
      `Skipped ${join(dir, '.plivorc.js')}: a JavaScript config file is loaded only when named with --config (a checkout must not run code on every send). To use it: --config ${join(dir, '.plivorc.js')}`,
    ]);
  });

  it('skips plivo.config.mjs and $XDG_CONFIG_HOME/plivo/config.js too', async () => {
    const dir = home();
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'plivo'), { recursive: true });
    writeFileSync(join(dir, 'plivo.config.mjs'), 'export default { src: "X" };');
    writeFileSync(join(xdg, 'plivo', 'config.js'), 'module.exports = { src: "Y" };');
    const loaded = await loadConfig({ cwd: dir, homedir: dir, env: { XDG_CONFIG_HOME: xdg } });
    expect(loaded.config).toEqual({});
    expect(loaded.warnings.map((w) => w.split(':')[0])).toEqual([`Skipped ${join(dir, 'plivo.config.mjs')}`, `Skipped ${join(xdg, 'plivo', 'config.js')}`]);
  });

  it('loads a JavaScript file named with --config', async () => {
    const dir = home();
    writeFileSync(join(dir, 'plivo.config.cjs'), 'module.exports = { src: "FROMJS" };');
    expect((await loadConfig({ cwd: dir, homedir: dir, path: 'plivo.config.cjs', env: {} })).config).toEqual({ src: 'FROMJS' });
  });

  it('finds the plivo key of package.json, and the XDG config directory last', async () => {
    const dir = home();
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'x' }));
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'plivo'), { recursive: true });
    writeFileSync(join(xdg, 'plivo', 'config'), 'log: "false"\n');
    expect((await loadConfig({ cwd: project, homedir: dir, env: { XDG_CONFIG_HOME: xdg } })).config).toEqual({ log: 'false' });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'x', plivo: { log: 'true' } }));
    expect((await loadConfig({ cwd: project, homedir: dir, env: { XDG_CONFIG_HOME: xdg } })).config).toEqual({ log: 'true' });
  });
});

describe('loadConfig: errors say what happened', () => {
  it('--config naming a directory: "is a directory", not "fix its syntax"', async () => {
    const dir = home();
    const error = await errorOf(loadConfig({ cwd: dir, homedir: dir, path: '.', env: {} }));
    expect(error.message).toBe('Config file . is a directory, not a file.');
    expect(error.hint).toBe('Give --config the path of a file, e.g. .plivorc.');
  });

  it('a file that cannot be read: permission denied and the fix', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const named = describeReadError(denied, '/home/me/.plivorc', '--config');
    expect(named.message).toBe('Cannot read the config file /home/me/.plivorc: permission denied.');
    expect(named.hint).toBe('Make it readable by you (chmod 600 /home/me/.plivorc if it is yours), or point --config at another file.');
    const searched = describeReadError(denied, '/home/me/.config/plivo/config', 'search');
    expect(searched.message).toBe(
      'Cannot read /home/me/.config/plivo/config while looking for a config file: permission denied (on the file or its directory).',
    );
    expect(searched.hint).toMatch(/^Make them readable by you .*, or name another file with --config\.$/);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable config directory met by the search is reported as such', async () => {
    const dir = home();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o000);
    try {
      const error = await errorOf(loadConfig({ cwd: dir, homedir: dir, env: { XDG_CONFIG_HOME: locked } }));
      expect(error.message).toMatch(/permission denied/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('a syntax error: the parser’s message and "fix its syntax"', async () => {
    const dir = home();
    writeFileSync(join(dir, '.plivorc.json'), '{"src": ');
    const error = await errorOf(loadConfig({ cwd: dir, homedir: dir, env: {} }));
    expect(error.message).toMatch(/^Cannot parse the config file .*\.plivorc\.json: JSON Error/);
    expect(error.hint).toMatch(/^Fix its syntax/);
  });

  it('a number where a string is meant (YAML src: 14155550177), naming the file and key', async () => {
    const dir = home();
    writeFileSync(join(dir, '.plivorc'), 'src: 14155550177\nauthId: 12345\n', { mode: 0o600 });
    const error = await errorOf(loadConfig({ cwd: dir, homedir: dir, env: {} }));
    expect(error.message).toContain(`${join(dir, '.plivorc')} has settings plivo-send cannot use:`);
    expect(error.message).toContain('src: is a number; write it as a string in quotes ("14155550177")');
    expect(error.message).toContain('authId: is a number; write it as a string in quotes');
  });

  it('a bounded setting out of range (timeout: 3000000), naming the file, the key and the range', async () => {
    const dir = home();
    writeFileSync(join(dir, '.plivorc'), 'timeout: 3000000\n');
    const error = await errorOf(loadConfig({ cwd: dir, homedir: dir, env: {} }));
    expect(error.message).toBe(`${join(dir, '.plivorc')} has settings plivo-send cannot use:\n  timeout: must be from 0.1 to 600 (seconds)`);
  });
});

describe('a token in a file others can read', () => {
  it.each([
    [0o600, undefined],
    [0o620, undefined],
    [0o602, undefined],
    [0o640, 'its group'],
    [0o644, 'everyone'],
    [0o604, 'everyone'],
  ])('mode %o: readable by %s', (mode, who) => {
    expect(readableBy(mode)).toBe(who);
  });

  it('warns about a 0640 file and not about a 0620 one', async () => {
    const dir = home();
    const path = join(dir, '.plivorc');
    writeFileSync(path, 'authToken: "t"\n');
    chmodSync(path, 0o640);
    expect((await loadConfig({ cwd: dir, homedir: dir, env: {} })).warnings).toEqual([
      `${path} holds an auth token and can be read by its group: run chmod 600 ${path}`,
    ]);
    chmodSync(path, 0o620);
    expect((await loadConfig({ cwd: dir, homedir: dir, env: {} })).warnings).toEqual([]);
  });
});

describe("authTokenCommand is kept only from the user config file or --config (a checkout's file must not run code)", () => {
  const file = {
    authId: 'MAZJKXNTQ1MDA5MTEX2A',
    authTokenCommand: ['get-token'],
    src: 'ACME',
    profiles: { work: { authTokenCommand: 'op read x' }, plain: { log: 'false' } },
  };

  it.each(['.plivorc', 'package.json'])(
    'found by the search in the working directory (%s): dropped, with a warning naming the file and the layers',
    async (name) => {
      const dir = home();
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(name === 'package.json' ? { name: 'app', plivo: file } : file));
      const loaded = await loadConfig({ cwd: dir, homedir: dir, env: { XDG_CONFIG_HOME: join(dir, 'xdg') } });
      expect(loaded.config).toEqual({ authId: file.authId, src: 'ACME', profiles: { work: {}, plain: { log: 'false' } } });
      expect(loaded.warnings).toEqual([
        `Ignoring authTokenCommand in ${path} (top level, profile 'work'): a command is run only from the user config file (in ${join(dir, 'xdg', 'plivo')}) or a file named with --config, as a checkout must not run code on every send. To use it: --config ${path}`,
      ]);
    },
  );

  it('a file further up, between the working directory and home, is no different', async () => {
    const dir = home();
    mkdirSync(join(dir, 'repo', 'src'), { recursive: true });
    writeFileSync(join(dir, 'repo', '.plivorc'), JSON.stringify({ authTokenCommand: 'get-token' }));
    const loaded = await loadConfig({ cwd: join(dir, 'repo', 'src'), homedir: dir, env: {} });
    expect(loaded.config).toEqual({});
    expect(loaded.warnings[0]).toMatch(/^Ignoring authTokenCommand in .*repo\/\.plivorc \(top level\)/);
  });

  it('named with --config: kept, no warning', async () => {
    const dir = home();
    writeFileSync(join(dir, '.plivorc'), JSON.stringify(file));
    const loaded = await loadConfig({ cwd: dir, homedir: dir, path: '.plivorc', env: {} });
    expect(loaded.config).toEqual(file);
    expect(loaded.warnings).toEqual([]);
  });

  it('the user config file ($XDG_CONFIG_HOME/plivo/config.json, config.yaml…): kept, no warning', async () => {
    const dir = home();
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'plivo'), { recursive: true });
    writeFileSync(join(xdg, 'plivo', 'config.yaml'), `authId: "${file.authId}"\nauthTokenCommand: [get-token]\n`);
    const loaded = await loadConfig({ cwd: join(dir), homedir: dir, env: { XDG_CONFIG_HOME: xdg } });
    expect(loaded.filepath).toBe(join(xdg, 'plivo', 'config.yaml'));
    expect(loaded.config).toEqual({ authId: file.authId, authTokenCommand: ['get-token'] });
    expect(loaded.warnings).toEqual([]);
  });

  it('a file without authTokenCommand gets no warning', async () => {
    const dir = home();
    writeFileSync(join(dir, '.plivorc'), JSON.stringify({ src: 'ACME' }));
    expect((await loadConfig({ cwd: dir, homedir: dir, env: {} })).warnings).toEqual([]);
  });
});
