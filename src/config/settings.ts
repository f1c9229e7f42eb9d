/**
 * Settings: defaults < config file (top level < profile chosen by PLIVO_PROFILE) < environment
 * < profile named by an explicit --profile < flags, merged in one pure function (README, "Configuration").
 */
import { ConfigError, ExitCode } from '../errors.js';
import type { ConfigFile, SettingKey, SettingsLayer } from './file-schema.js';

export type { ConfigFile, SettingKey } from './file-schema.js';

const DEFAULT_API_URL = 'https://api.plivo.com';

export type Source = 'default' | 'config' | 'profile' | 'env' | 'flag';

export interface Settings extends SettingsLayer {
  apiUrl: string;
  profile: string | undefined;
  /** The config file the settings of sources `config` and `profile` come from. */
  file: string | undefined;
  /** Where each value came from, for `--debug` and error hints. */
  sources: Partial<Record<SettingKey, Source>>;
  /** Lines for stderr: settings that were ignored, and why. */
  warnings: string[];
}

export interface SettingsInput {
  file: ConfigFile;
  /** Where `file` was read from, for `config show` and error messages. */
  filepath?: string | undefined;
  env: Record<string, string | undefined>;
  flags: SettingsLayer;
  /** The value of an explicit --profile flag. */
  profileFlag?: string | undefined;
}

export function resolveSettings({ file, filepath, env, flags, profileFlag }: SettingsInput): Settings {
  const { profiles = {}, ...top } = file;
  const profileName = nonEmpty(profileFlag) ?? nonEmpty(env.PLIVO_PROFILE);
  let profile: SettingsLayer = {};
  if (profileName !== undefined) {
    const found = profiles[profileName];
    if (!found) {
      const names = Object.keys(profiles);
      throw new ConfigError(
        `Profile '${profileName}' is not defined${names.length ? ` (profiles: ${names.join(', ')})` : ' in any config file'}.`,
        `Add it under "profiles" in .plivorc, or ${profileFlag ? 'drop --profile' : 'unset PLIVO_PROFILE'}.`,
      );
    }
    profile = found;
  }
  const envLayer: SettingsLayer = {};
  if (nonEmpty(env.PLIVO_AUTH_ID)) envLayer.authId = env.PLIVO_AUTH_ID!.trim();
  if (nonEmpty(env.PLIVO_AUTH_TOKEN)) envLayer.authToken = env.PLIVO_AUTH_TOKEN!.trim();
  if (nonEmpty(env.PLIVO_API_URL)) envLayer.apiUrl = env.PLIVO_API_URL!.trim();

  const layers: Array<[Source, SettingsLayer]> = [
    ['default', { apiUrl: DEFAULT_API_URL }],
    ['config', top],
    ...(profileFlag ? [] : [['profile', profile] as [Source, SettingsLayer]]),
    ['env', envLayer],
    ...(profileFlag ? [['profile', profile] as [Source, SettingsLayer]] : []),
    ['flag', flags],
  ];
  const merged: Record<string, unknown> = {};
  const sources: Settings['sources'] = {};
  for (const [source, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      merged[key] = value;
      sources[key as SettingKey] = source;
    }
  }
  // src and powerpack_uuid are one choice, and so are authToken and authTokenCommand: the
  // highest layer that names either one decides.
  const rank = (s: Source | undefined) => layers.findIndex(([name]) => name === s);
  for (const [a, b] of [
    ['src', 'powerpackUuid'],
    ['authToken', 'authTokenCommand'],
  ] as const) {
    if (merged[a] === undefined || merged[b] === undefined || sources[a] === sources[b]) continue;
    const loser = rank(sources[a]) > rank(sources[b]) ? b : a;
    delete merged[loser];
    delete sources[loser];
  }
  const warnings: string[] = [];
  const distrusted = distrustedApiUrl(sources);
  if (distrusted !== undefined) {
    const fallback = envLayer.apiUrl !== undefined ? 'env' : 'default';
    const outside = [sources.authId, sources.authToken ?? sources.authTokenCommand].find((source) => source !== undefined && !FILE_SOURCES.has(source));
    const reason = outside === undefined ? 'the file does not hold authId and authToken' : `the credentials come from ${describeSource(outside)}`;
    warnings.push(
      `Ignoring apiUrl '${String(merged.apiUrl)}' from the ${distrusted === 'profile' ? `profile '${profileName}' of the ` : ''}config file: a config file may point the API elsewhere only with its own credentials, and ${reason}. Using ${fallback === 'env' ? 'PLIVO_API_URL' : DEFAULT_API_URL}.`,
    );
    merged.apiUrl = fallback === 'env' ? envLayer.apiUrl : DEFAULT_API_URL;
    sources.apiUrl = fallback;
  }
  const settings = { ...(merged as SettingsLayer), profile: profileName, file: filepath, sources, warnings } as Settings;
  settings.apiUrl = normalizeApiUrl(settings.apiUrl, sources.apiUrl ?? 'default');
  return settings;
}

const FILE_SOURCES: ReadonlySet<Source | undefined> = new Set(['config', 'profile']);

/**
 * The config file's layer whose apiUrl must be ignored, if any. A config file (a checkout's
 * package.json, say) may point the API elsewhere only when the credentials used are its own too:
 * otherwise the Auth Token from the environment would be sent to a host the file chose.
 */
function distrustedApiUrl(sources: Settings['sources']): Source | undefined {
  if (!FILE_SOURCES.has(sources.apiUrl)) return undefined;
  return FILE_SOURCES.has(sources.authId) && FILE_SOURCES.has(sources.authToken ?? sources.authTokenCommand) ? undefined : sources.apiUrl;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Checks the API origin: https anywhere, plain http only for loopback hosts. */
export function normalizeApiUrl(raw: string, source: Source): string {
  const where = source === 'env' ? 'PLIVO_API_URL' : 'apiUrl';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${where} is not a URL.`, `Use an origin such as ${DEFAULT_API_URL}.`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${where} must not hold a user name or password.`, 'Give credentials as PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN or authId / authToken.');
  }
  raw = url.origin + url.pathname;
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new ConfigError(
      `${where} '${raw}' uses plain http to a host that is not this machine; credentials would travel unencrypted.`,
      'Use https://, or http:// only with localhost / 127.0.0.1 / [::1].',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} '${raw}' must be an http(s) URL.`, `Use an origin such as ${DEFAULT_API_URL}.`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

/** Why `authId` is not a Plivo Auth ID (never echoing it in full), or undefined when it is one. */
export function authIdProblem(authId: string, from: string): string | undefined {
  if (AUTH_ID.test(authId)) return undefined;
  // Not echoed in full: a token pasted in the wrong place must not be printed.
  const shown = authId.length > 4 ? `${authId.slice(0, 2)}… (${authId.length} characters)` : `'${authId}'`;
  return `The Auth ID ${shown} from ${from} does not look like a Plivo Auth ID.`;
}

export const AUTH_ID_HINT = 'A Plivo Auth ID is MA or SA followed by 18 capital letters and digits; copy it from the Plivo console.';

export interface Credentials {
  authId: string;
  authToken: string;
  apiUrl: string;
}

interface CredentialsHint {
  /** Whether the command has --sandbox (sends do; listen, messages, report and status do not). */
  sandbox: boolean;
}

/** The credentials a command needs, or an error (exit 2) saying where to put them. */
export function requireCredentials(settings: Settings, { sandbox }: CredentialsHint = { sandbox: true }): Credentials {
  const missing = [!settings.authId && 'PLIVO_AUTH_ID', !settings.authToken && 'PLIVO_AUTH_TOKEN'].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      `No Plivo credentials: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
      `Set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, run plivo-send config init, or add authId and authToken to .plivorc (see .plivorc.example; authTokenCommand is run only from the user config file or a file named with --config).${sandbox ? ' To try without an account, add --sandbox.' : ''}`,
      ExitCode.auth,
    );
  }
  const authId = settings.authId!;
  const problem = authIdProblem(authId, describeSource(settings.sources.authId));
  if (problem !== undefined) throw new ConfigError(problem, AUTH_ID_HINT, ExitCode.auth);
  return { authId, authToken: settings.authToken!, apiUrl: settings.apiUrl };
}

/** Where a setting came from, as a person reads it: `flag`, `PLIVO_AUTH_ID`, `profile 'eu' in ~/.config/plivo/config.json`. */
export function describeOrigin(settings: Pick<Settings, 'sources' | 'profile' | 'file'>, key: SettingKey): string {
  const source = settings.sources[key];
  switch (source) {
    case 'config':
      return settings.file ?? 'the config file';
    case 'profile':
      return `profile '${settings.profile ?? ''}' in ${settings.file ?? 'the config file'}`;
    case 'env':
      return ENV_NAMES[key] ?? 'the environment';
    case 'flag':
      return 'flag';
    case 'default':
      return 'default';
    default:
      return 'not set';
  }
}

const ENV_NAMES: Partial<Record<SettingKey, string>> = { authId: 'PLIVO_AUTH_ID', authToken: 'PLIVO_AUTH_TOKEN', apiUrl: 'PLIVO_API_URL' };

function describeSource(source: Source | undefined): string {
  switch (source) {
    case 'env':
      return 'the environment';
    case 'flag':
      return 'a flag';
    case 'profile':
      return 'the profile';
    case 'config':
      return 'the config file';
    default:
      return 'the defaults';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
