import { describe, expect, it } from 'vitest';
import { normalizeApiUrl, requireCredentials, resolveSettings, type ConfigFile } from '../../src/config/settings.js';
import { parseConfigFile } from '../../src/config/file-schema.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/io.js';

const file: ConfigFile = {
  authId: 'MAFILEFILEFILEFILE01',
  authToken: 'file-token',
  src: '14155550100',
  log: 'false',
  profiles: {
    prod: { authId: 'MAPRODPRODPRODPROD01', authToken: 'prod-token', powerpackUuid: 'pp-prod' },
    eu: { apiUrl: 'https://api.eu.example' },
  },
};
const env = { PLIVO_AUTH_ID: 'MAENVENVENVENVENV001', PLIVO_AUTH_TOKEN: 'env-token' };

describe('resolveSettings precedence: flags > env > config file > defaults', () => {
  it('defaults alone', () => {
    const s = resolveSettings({ file: {}, env: {}, flags: {} });
    expect(s.apiUrl).toBe('https://api.plivo.com');
    expect(s.authId).toBeUndefined();
  });

  it('config file over defaults', () => {
    const s = resolveSettings({ file, env: {}, flags: {} });
    expect(s.authId).toBe('MAFILEFILEFILEFILE01');
    expect(s.sources.authId).toBe('config');
  });

  it('environment over config file', () => {
    const s = resolveSettings({ file, env, flags: {} });
    expect([s.authId, s.authToken]).toEqual(['MAENVENVENVENVENV001', 'env-token']);
    expect(s.log).toBe('false');
  });

  it('flags over everything', () => {
    const s = resolveSettings({ file, env, flags: { src: '14155559999', log: 'true' } });
    expect([s.src, s.log]).toEqual(['14155559999', 'true']);
  });

  it('PLIVO_PROFILE picks a profile that ranks with the config file: the environment still wins', () => {
    const s = resolveSettings({ file, env: { ...env, PLIVO_PROFILE: 'prod' }, flags: {} });
    expect(s.authId).toBe('MAENVENVENVENVENV001');
    expect(s.powerpackUuid).toBe('pp-prod');
    expect(s.profile).toBe('prod');
  });

  it('an explicit --profile is a flag: its values beat the environment', () => {
    const s = resolveSettings({ file, env, flags: {}, profileFlag: 'prod' });
    expect([s.authId, s.authToken]).toEqual(['MAPRODPRODPRODPROD01', 'prod-token']);
  });

  it('--profile beats PLIVO_PROFILE', () => {
    const s = resolveSettings({ file, env: { PLIVO_PROFILE: 'eu' }, flags: {}, profileFlag: 'prod' });
    expect(s.profile).toBe('prod');
    expect(s.apiUrl).toBe('https://api.plivo.com');
  });

  it("a profile's keys override the file's top-level keys; the rest are inherited", () => {
    const s = resolveSettings({ file, env: {}, flags: {}, profileFlag: 'eu' });
    expect(s.apiUrl).toBe('https://api.eu.example');
    expect(s.authId).toBe('MAFILEFILEFILEFILE01');
  });

  it('the layer that names a sender decides it: a profile Powerpack replaces a top-level src', () => {
    const s = resolveSettings({ file, env: {}, flags: {}, profileFlag: 'prod' });
    expect(s.powerpackUuid).toBe('pp-prod');
    expect(s.src).toBeUndefined();
    const flagged = resolveSettings({ file, env: {}, flags: { src: '14155550111' }, profileFlag: 'prod' });
    expect([flagged.src, flagged.powerpackUuid]).toEqual(['14155550111', undefined]);
  });

  it('an unknown profile is an error that lists the known ones', () => {
    expect(() => resolveSettings({ file, env: {}, flags: {}, profileFlag: 'nope' })).toThrow(/Profile 'nope' is not defined \(profiles: prod, eu\)/);
  });
});

describe('API URL', () => {
  it.each([
    ['https://api.plivo.com/', 'https://api.plivo.com'],
    ['http://127.0.0.1:8765', 'http://127.0.0.1:8765'],
    ['http://localhost:9000/', 'http://localhost:9000'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('accepts %s', (raw, normal) => expect(normalizeApiUrl(raw, 'env')).toBe(normal));

  it.each(['http://api.plivo.com', 'http://10.0.0.5:8080', 'ftp://api.plivo.com', 'not a url'])('refuses %s', (raw) => {
    expect(() => normalizeApiUrl(raw, 'env')).toThrow(ConfigError);
  });
});

describe('credentials', () => {
  it('missing credentials exit 2 and say where to put them', () => {
    const s = resolveSettings({ file: {}, env: {}, flags: {} });
    try {
      requireCredentials(s);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).exitCode).toBe(ExitCode.auth);
      expect((error as ConfigError).message).toMatch(/PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN are not set/);
    }
  });

  it('an Auth ID of the wrong shape is refused before any request', () => {
    const s = resolveSettings({ file: {}, env: { PLIVO_AUTH_ID: 'abc', PLIVO_AUTH_TOKEN: 't' }, flags: {} });
    expect(() => requireCredentials(s)).toThrow(/does not look like a Plivo Auth ID/);
  });
});

describe('config file', () => {
  it('names every unusable key', () => {
    let message = '';
    try {
      parseConfigFile({ authID: 'x', trackable: 'yes', profiles: { a: { rate: -1 } } }, '/tmp/.plivorc');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^\/tmp\/\.plivorc has settings plivo-send cannot use:/);
    expect(message).toMatch(/authID: is not a known key/);
    expect(message).toMatch(/trackable: /);
    expect(message).toMatch(/profiles\.a\.rate: /);
  });

  it('accepts the example file', async () => {
    const { readFileSync } = await import('node:fs');
    const example = JSON.parse(readFileSync(new URL('../../.plivorc.example', import.meta.url), 'utf8'));
    expect(parseConfigFile(example, '.plivorc.example').profiles?.marketing?.log).toBe('number_only');
  });
});

describe('config file: strings written as numbers, numbers out of range', () => {
  const messageOf = (raw: unknown): string => {
    try {
      parseConfigFile(raw, '/home/me/.plivorc');
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };

  it('refuses a number where a string is meant, naming the key and the fix', () => {
    const message = messageOf({ src: 14155550177, authId: 12345, profiles: { india: { dltEntityId: 1201159146834474800 } } });
    expect(message).toMatch(/^\/home\/me\/\.plivorc has settings plivo-send cannot use:/);
    expect(message).toContain('  src: is a number; write it as a string in quotes ("14155550177"): a number loses leading zeros and precision');
    expect(message).toContain('  authId: is a number; write it as a string in quotes');
    expect(message).toContain('  profiles.india.dltEntityId: is a number; write it as a string in quotes');
  });

  it('refuses a numeric setting outside its range, naming the file, the key and the range', () => {
    expect(messageOf({ timeout: 3_000_000 })).toBe('/home/me/.plivorc has settings plivo-send cannot use:\n  timeout: must be from 0.1 to 600 (seconds)');
    expect(messageOf({ profiles: { bulk: { concurrency: 500 } } })).toContain('profiles.bulk.concurrency: must be from 1 to 100 (requests)');
  });
});

describe('apiUrl from a config file counts only with that file’s own credentials', () => {
  const evil = 'https://collector.example';

  it('is ignored, with a warning, when the credentials come from the environment', () => {
    const s = resolveSettings({ file: { apiUrl: evil }, env, flags: {} });
    expect(s.apiUrl).toBe('https://api.plivo.com');
    expect(s.sources.apiUrl).toBe('default');
    expect(s.warnings).toEqual([
      `Ignoring apiUrl '${evil}' from the config file: a config file may point the API elsewhere only with its own credentials, and the credentials come from the environment. Using https://api.plivo.com.`,
    ]);
  });

  it('is ignored when the file holds credentials too but the environment overrides them', () => {
    const fileWithCredentials: ConfigFile = { apiUrl: evil, authId: 'MAFILEFILEFILEFILE01', authToken: 'file-token' };
    const s = resolveSettings({ file: fileWithCredentials, env, flags: {} });
    expect(s).toMatchObject({ apiUrl: 'https://api.plivo.com', authToken: 'env-token' });
    expect(s.warnings[0]).toMatch(/the credentials come from the environment\. Using https:\/\/api\.plivo\.com\.$/);
    // PLIVO_API_URL outranks the file anyway: nothing to ignore.
    expect(resolveSettings({ file: fileWithCredentials, env: { ...env, PLIVO_API_URL: 'http://127.0.0.1:9' }, flags: {} })).toMatchObject({
      apiUrl: 'http://127.0.0.1:9',
      warnings: [],
    });
  });

  it('is ignored when there are no credentials at all', () => {
    const s = resolveSettings({ file: { apiUrl: evil }, env: {}, flags: {} });
    expect(s.apiUrl).toBe('https://api.plivo.com');
    expect(s.warnings[0]).toMatch(/the file does not hold authId and authToken/);
  });

  it('counts with the same file’s credentials, at the top level or in the profile', () => {
    expect(resolveSettings({ file: { apiUrl: evil, authId: 'MAFILEFILEFILEFILE01', authToken: 't' }, env: {}, flags: {} })).toMatchObject({
      apiUrl: evil,
      warnings: [],
    });
    const profiled: ConfigFile = { profiles: { eu: { apiUrl: evil, authId: 'MAFILEFILEFILEFILE01', authToken: 't' } } };
    expect(resolveSettings({ file: profiled, env, flags: {}, profileFlag: 'eu' })).toMatchObject({ apiUrl: evil, authToken: 't', warnings: [] });
    expect(resolveSettings({ file, env: { PLIVO_PROFILE: 'eu' }, flags: {} })).toMatchObject({
      apiUrl: 'https://api.eu.example',
      authToken: 'file-token',
      warnings: [],
    });
  });

  it('names the profile whose apiUrl is ignored', () => {
    const s = resolveSettings({ file, env: { ...env, PLIVO_PROFILE: 'eu' }, flags: {} });
    expect(s.apiUrl).toBe('https://api.plivo.com');
    expect(s.warnings[0]).toMatch(/^Ignoring apiUrl 'https:\/\/api\.eu\.example' from the profile 'eu' of the config file/);
  });
});

describe('the "no credentials" hint fits the command', () => {
  it.each([
    ['status', ['status', '3a9f6e2c-6d1f-4bb0-9a57-1c1e2f3a4b5c']],
    ['messages', ['messages']],
    ['report --fetch', ['report', '--results', 'results.jsonl', '--fetch']],
    ['listen', ['listen', '--port', '0']],
  ])('%s has no --sandbox, so the hint does not offer it', async (_, argv) => {
    const out = await runCli(argv);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('No Plivo credentials: PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN are not set.');
    expect(out.stderr).toContain('run plivo-send config init');
    expect(out.stderr).not.toContain('--sandbox');
  });

  it('a send offers --sandbox to try without an account', async () => {
    const out = await runCli(['sms', '--src', '14155550100', '--dst', '14155550101', '--text', 'Hi']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('To try without an account, add --sandbox.');
  });
});
