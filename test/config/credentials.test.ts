import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCredentials } from '../../src/config/credentials.js';
import { splitCommand } from '../../src/config/command-line.js';
import { resolveSettings, type ConfigFile } from '../../src/config/settings.js';
import { parseConfigFile } from '../../src/config/file-schema.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

const AUTH_ID = 'MAZJKXNTQ1MDA5MTEX2A';
const SECRET = 'token-that-must-never-be-printed';

/** An executable shell script in a new directory; returns its path. */
function script(body: string, name = 'get-token'): string {
  const dir = mkdtempSync(join(tmpdir(), 'plivo-send-cmd-'));
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function settingsOf(file: ConfigFile, env: Record<string, string> = {}, profileFlag?: string) {
  return resolveSettings({ file, filepath: '/home/ada/.config/plivo/config.json', env, flags: {}, profileFlag });
}

async function failure(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('splitCommand: words as a shell splits plain words, nothing expanded', () => {
  it.each([
    ['pass show plivo/token', ['pass', 'show', 'plivo/token']],
    ['  op   read  "op://Private/Plivo/auth token" ', ['op', 'read', 'op://Private/Plivo/auth token']],
    ["security find-generic-password -s 'plivo send' -w", ['security', 'find-generic-password', '-s', 'plivo send', '-w']],
    ['secret-tool lookup service plivo\\ send', ['secret-tool', 'lookup', 'service', 'plivo send']],
    ['echo "a \\"quoted\\" word" $HOME ~', ['echo', 'a "quoted" word', '$HOME', '~']],
    ['cmd ""', ['cmd', '']],
  ])('%s', (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });

  it('an unclosed quote gives no words', () => {
    expect(splitCommand('pass show "plivo')).toBeUndefined();
  });
});

describe('an authTokenCommand that names no program is an invalid setting (exit 1, like any other), wherever it is found', () => {
  it.each([
    ['an empty list', [], /authTokenCommand: is an empty list/],
    ['a list starting with an empty word', ['', 'show'], /authTokenCommand: must start with the program/],
    ['an empty string', '', /authTokenCommand: is empty/],
    ['a blank string', '   ', /authTokenCommand: is empty/],
    ['an unclosed quote', 'pass show "plivo', /authTokenCommand: has a quote that is not closed/],
  ])('%s, when the file is read', (_, value, message) => {
    const error = (() => {
      try {
        parseConfigFile({ authId: AUTH_ID, profiles: { vault: { authTokenCommand: value } } }, '/c.json');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('profiles.vault.');
  });

  it.each([[[]], [''], ['"open']])('%j in settings not read from a file (a library caller): exit 1 too, nothing run', async (value) => {
    const error = await failure(resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: value }), { env: {} }));
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toMatch(/^authTokenCommand \(\/home\/ada\/\.config\/plivo\/config\.json\) (is|has)/);
  });
});

describe('resolveCredentials with authTokenCommand', () => {
  it('runs the command (no shell) and takes the first line of its output as the token', async () => {
    const command = script('echo "  $1-token  "; echo "second line"');
    const credentials = await resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: `${command} my` }), { env: {} });
    expect(credentials).toEqual({ authId: AUTH_ID, authToken: 'my-token', apiUrl: 'https://api.plivo.com' });
  });

  it('takes the command as a list of words too, with no shell to expand anything', async () => {
    const command = script('echo "$1"');
    const credentials = await resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: [command, '$HOME;rm'] }), { env: { HOME: '/nowhere' } });
    expect(credentials.authToken).toBe('$HOME;rm');
  });

  it("is not run when a token is set: PLIVO_AUTH_TOKEN (a higher layer) wins over the file's command", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'plivo-send-cmd-')), 'ran');
    const command = script(`touch ${marker}; echo file-token`);
    const settings = settingsOf({ authId: AUTH_ID, authTokenCommand: command }, { PLIVO_AUTH_TOKEN: 'env-token' });
    expect(settings.authTokenCommand).toBeUndefined();
    expect((await resolveCredentials(settings, { env: {} })).authToken).toBe('env-token');
    expect(existsSync(marker)).toBe(false);
  });

  it("a profile's authTokenCommand beats the top level's authToken, and the reverse", () => {
    const file: ConfigFile = { authId: AUTH_ID, authToken: 'top', profiles: { vault: { authTokenCommand: 'pass show plivo' }, plain: { authToken: 'plain' } } };
    const vault = settingsOf({ ...file, authTokenCommand: undefined }, {}, 'vault');
    expect([vault.authToken, vault.authTokenCommand]).toEqual([undefined, 'pass show plivo']);
    const plain = settingsOf({ authId: AUTH_ID, authTokenCommand: 'pass show plivo', profiles: { plain: { authToken: 'plain' } } }, {}, 'plain');
    expect([plain.authToken, plain.authTokenCommand]).toEqual(['plain', undefined]);
  });

  it('a config layer holding both authToken and authTokenCommand is refused', () => {
    expect(() => parseConfigFile({ profiles: { x: { authToken: 't', authTokenCommand: 'pass' } } }, '/c.json')).toThrow(
      /profiles\.x\.authTokenCommand: is set together with authToken/,
    );
  });

  it('an apiUrl from the file is trusted when the file also gives the Auth ID and the token command', () => {
    const settings = settingsOf({ authId: AUTH_ID, authTokenCommand: 'pass show plivo', apiUrl: 'https://api.eu.example' });
    expect(settings.apiUrl).toBe('https://api.eu.example');
    expect(settings.warnings).toEqual([]);
  });

  it('without an Auth ID the command is not run: the error is the missing Auth ID (exit 2)', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'plivo-send-cmd-')), 'ran');
    const command = script(`touch ${marker}; echo token`);
    const error = await failure(resolveCredentials(settingsOf({ authTokenCommand: command }), { env: {} }));
    expect(error.exitCode).toBe(ExitCode.auth);
    expect(error.message).toMatch(/PLIVO_AUTH_ID/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a failing command is exit 2, naming the key, the command and where it was set, never its output', async () => {
    const command = script(`echo "${SECRET}"; echo "stderr ${SECRET}" >&2; exit 3`);
    const error = await failure(
      resolveCredentials(settingsOf({ authId: AUTH_ID, profiles: { vault: { authTokenCommand: [command] } } }, {}, 'vault'), { env: {} }),
    );
    expect(error.exitCode).toBe(ExitCode.auth);
    expect(error.message).toContain("authTokenCommand 'get-token' (profile 'vault' in /home/ada/.config/plivo/config.json) failed (exit code 3)");
    expect(`${error.message} ${error.hint}`).not.toContain(SECRET);
  });

  it('a command that is not installed says so (exit 2)', async () => {
    const error = await failure(
      resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: 'plivo-send-no-such-program show' }), { env: { PATH: '/nonexistent' } }),
    );
    expect(error.exitCode).toBe(ExitCode.auth);
    expect(error.message).toMatch(/authTokenCommand 'plivo-send-no-such-program' \(.*\) was not found/);
    expect(error.hint).toMatch(/full path/);
  });

  it('an empty first line is no token (exit 2)', async () => {
    const command = script(`echo; echo "${SECRET}"`);
    const error = await failure(resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: command }), { env: {} }));
    expect(error.message).toMatch(/printed no token/);
    expect(error.message).not.toContain(SECRET);
  });

  it('a command that never finishes is stopped after the timeout (exit 2); its input is closed, so it cannot wait for a typed answer', async () => {
    const command = script('read answer; sleep 60; echo token');
    const error = await failure(resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: command }), { env: {}, timeoutMs: 1000 }));
    expect(error.exitCode).toBe(ExitCode.auth);
    expect(error.message).toMatch(/did not finish within 1 s/);
  });

  it('a command that leaves a process running in the background (holding its output open) is done when it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-cmd-'));
    const pidFile = join(dir, 'pid');
    const pids = () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : []);
    try {
      // A first line, and without its line break (taken when the output has not ended soon after the exit).
      for (const print of ['echo token; echo more', 'printf token']) {
        const command = ['sh', '-c', `${print}; sleep 100 & echo $! >> ${pidFile}; exit 0`];
        // Well below the test's own time limit: waiting for the background sleep fails the test.
        const credentials = await resolveCredentials(settingsOf({ authId: AUTH_ID, authTokenCommand: command }), { env: {}, timeoutMs: 15_000 });
        expect(credentials.authToken).toBe('token');
      }
      // Not ours to stop: the background process is left running.
      expect(pids()).toHaveLength(2);
      for (const pid of pids()) expect(() => process.kill(pid, 0)).not.toThrow();
    } finally {
      for (const pid of pids()) {
        try {
          process.kill(pid);
        } catch {
          // already gone
        }
      }
    }
  });

  it('the Auth ID is still checked when the token comes from a command', async () => {
    const command = script('echo token');
    const error = await failure(resolveCredentials(settingsOf({ authId: 'not-an-id', authTokenCommand: command }), { env: {} }));
    expect(error.message).toMatch(/does not look like a Plivo Auth ID/);
  });
});
