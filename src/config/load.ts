/**
 * Finds and reads the config file (name `plivo`): from the working directory up to the home
 * directory, then `$XDG_CONFIG_HOME/plivo/`; or exactly the file given by --config. Files are
 * parsed with cosmiconfig's loaders; the search is done here, because a search must never run
 * JavaScript (a checkout's `.plivorc.js` would run code on every send), and `cosmiconfig()` itself
 * would first look for its own meta config in the working directory (`.config/config.js` too).
 * For the same reason an `authTokenCommand` is kept only from the user config file or --config.
 */
import { accessSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigFile } from './file-schema.js';
import { decodeUtf8Strict } from '../core/text-decoding.js';

const SEARCH_PLACES = ['package.json', '.plivorc', '.plivorc.json', '.plivorc.yaml', '.plivorc.yml'];
/** In `$XDG_CONFIG_HOME/plivo/`. */
const GLOBAL_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml'];
/** JavaScript config files: loaded only when named with --config. */
const SCRIPT_PLACES = [
  '.plivorc.js',
  '.plivorc.cjs',
  '.plivorc.mjs',
  '.plivorc.ts',
  'plivo.config.js',
  'plivo.config.cjs',
  'plivo.config.mjs',
  'plivo.config.ts',
];
const GLOBAL_SCRIPT_PLACES = ['config.js', 'config.cjs', 'config.mjs', 'config.ts'];
const SCRIPT_EXTENSIONS = new Set(['.js', '.cjs', '.mjs', '.ts']);

export interface LoadedConfig {
  config: ConfigFile;
  filepath: string | undefined;
  warnings: string[];
}

export interface LoadConfigOptions {
  cwd: string;
  homedir: string;
  /** --config: load exactly this file. */
  path?: string | undefined;
  /** For XDG_CONFIG_HOME (default: the process environment). */
  env?: Record<string, string | undefined> | undefined;
}

export async function loadConfig({ cwd, homedir, path, env = process.env }: LoadConfigOptions): Promise<LoadedConfig> {
  const found = path ? await loadNamed(resolve(cwd, path), path) : await search(cwd, homedir, env);
  const warnings = found.skipped.map(
    (file) =>
      `Skipped ${file}: a JavaScript config file is loaded only when named with --config (a checkout must not run code on every send). To use it: --config ${file}`,
  );
  if (found.filepath === undefined || found.raw === undefined) return { config: {}, filepath: found.filepath, warnings };
  // The schema (and zod) load only when there is a file to check.
  const { parseConfigFile } = await import('./file-schema.js');
  let config = parseConfigFile(found.raw, found.filepath);
  if (!found.trusted) {
    const ignored = withoutTokenCommands(config);
    if (ignored.layers.length > 0) {
      config = ignored.config;
      warnings.push(
        `Ignoring authTokenCommand in ${found.filepath} (${ignored.layers.join(', ')}): a command is run only from the user config file (in ${userConfigDir(homedir, env)}) or a file named with --config, as a checkout must not run code on every send. To use it: --config ${found.filepath}`,
      );
    }
  }
  warnings.push(...(await tokenWarnings(config, found.filepath)));
  return { config, filepath: found.filepath, warnings };
}

interface Found {
  filepath: string | undefined;
  raw: unknown;
  /** JavaScript config files the search passed over. */
  skipped: string[];
  /** Named with --config, or the user config file: its authTokenCommand may be run. */
  trusted: boolean;
}

/** The file's settings without any authTokenCommand, and the layers that had one (`top level`, `profile 'work'`). */
function withoutTokenCommands(file: ConfigFile): { config: ConfigFile; layers: string[] } {
  const layers: string[] = [];
  const { authTokenCommand, profiles, ...top } = file;
  if (authTokenCommand !== undefined) layers.push('top level');
  const config: ConfigFile = top;
  if (profiles !== undefined) {
    config.profiles = Object.fromEntries(
      Object.entries(profiles).map(([name, { authTokenCommand: command, ...rest }]) => {
        if (command !== undefined) layers.push(`profile '${name}'`);
        return [name, rest];
      }),
    );
  }
  return { config, layers };
}

async function loadNamed(filepath: string, given: string): Promise<Found> {
  try {
    return { filepath, raw: await readConfigFile(filepath), skipped: [], trusted: true };
  } catch (error) {
    throw describeReadError(error, given, '--config');
  }
}

/**
 * The file's settings (undefined when it is empty, or a package.json without a "plivo" key).
 * JavaScript is run: the search never passes a script's name here, only --config does.
 */
async function readConfigFile(filepath: string): Promise<unknown> {
  const extension = extname(filepath);
  if (SCRIPT_EXTENSIONS.has(extension)) {
    const { defaultLoaders } = await import('cosmiconfig');
    return (extension === '.ts' ? defaultLoaders['.ts'] : defaultLoaders['.js'])(filepath, '');
  }
  const decoded = decodeUtf8Strict(readFileSync(filepath));
  if (!decoded.ok) {
    throw new ConfigError(`The config file ${filepath} is not valid UTF-8: byte offset ${decoded.offset} holds ${decoded.bytes}.`, 'Save it as UTF-8.');
  }
  if (decoded.text.trim() === '') return undefined;
  // Loaded only once a file is found: most sends have none, and the loaders are a large module.
  const { defaultLoaders } = await import('cosmiconfig');
  const loader = extension === '.json' ? defaultLoaders['.json'] : defaultLoaders['.yaml'];
  const parsed: unknown = await loader(filepath, decoded.text);
  return basename(filepath) === 'package.json' ? (parsed as Record<string, unknown> | null)?.plivo : parsed;
}

/**
 * Up to the home directory; from a directory outside it (/tmp, a CI checkout), only that
 * directory: a config file in a shared parent could redirect the credentials elsewhere.
 */
function searchDirectories(cwd: string, homedir: string, env: Record<string, string | undefined>): Array<{ dir: string; global: boolean }> {
  const fromHome = relative(homedir, cwd);
  const inHome = !fromHome.startsWith('..') && !isAbsolute(fromHome);
  const dirs = [{ dir: cwd, global: false }];
  for (let dir = cwd; inHome && dir !== homedir && dirname(dir) !== dir;) {
    dir = dirname(dir);
    dirs.push({ dir, global: false });
  }
  dirs.push({ dir: userConfigDir(homedir, env), global: true });
  return dirs;
}

/** The user config directory: `$XDG_CONFIG_HOME/plivo`, by default `~/.config/plivo` (on every platform, like gh). */
export function userConfigDir(homedir: string, env: Record<string, string | undefined>): string {
  return join(env.XDG_CONFIG_HOME?.trim() || join(homedir, '.config'), 'plivo');
}

/**
 * The user config file `config init` writes: the one the search would read from the user config
 * directory when there is one (`config`, `config.yaml`…), else `config.json` there.
 */
export function userConfigFile(homedir: string, env: Record<string, string | undefined>): string {
  const dir = userConfigDir(homedir, env);
  for (const place of GLOBAL_PLACES) {
    if (exists(join(dir, place))) return join(dir, place);
  }
  return join(dir, 'config.json');
}

async function search(cwd: string, homedir: string, env: Record<string, string | undefined>): Promise<Found> {
  const skipped: string[] = [];
  for (const { dir, global } of searchDirectories(cwd, homedir, env)) {
    for (const place of global ? GLOBAL_SCRIPT_PLACES : SCRIPT_PLACES) {
      if (exists(join(dir, place))) skipped.push(join(dir, place));
    }
    for (const place of global ? GLOBAL_PLACES : SEARCH_PLACES) {
      const filepath = join(dir, place);
      let raw: unknown;
      try {
        raw = await readConfigFile(filepath);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Not there, or a directory of that name: not a config file, the search goes on.
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') continue;
        throw describeReadError(error, filepath, 'search');
      }
      // An empty file, or a package.json without a "plivo" key, says nothing: search on.
      if (raw !== undefined && raw !== null) return { filepath, raw, skipped, trusted: global };
    }
  }
  return { filepath: undefined, raw: undefined, skipped, trusted: false };
}

/** What went wrong reading a config file, and what to do: never "fix its syntax" for a permission. */
export function describeReadError(error: unknown, shown: string, how: '--config' | 'search'): ConfigError {
  if (error instanceof ConfigError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const other = how === '--config' ? 'or point --config at another file' : 'or name another file with --config';
  switch (code) {
    case 'ENOENT':
      return new ConfigError(`Config file ${shown} does not exist.`, 'Check the --config path.');
    case 'EISDIR':
      return new ConfigError(`Config file ${shown} is a directory, not a file.`, `Give --config the path of a file, e.g. ${join(shown, '.plivorc')}.`);
    case 'EACCES':
    case 'EPERM':
      return how === '--config'
        ? new ConfigError(`Cannot read the config file ${shown}: permission denied.`, `Make it readable by you (chmod 600 ${shown} if it is yours), ${other}.`)
        : new ConfigError(
            `Cannot read ${shown} while looking for a config file: permission denied (on the file or its directory).`,
            `Make them readable by you (chmod 600 for the file, 700 for the directory, if they are yours), ${other}.`,
          );
    case undefined: {
      const message = error instanceof Error ? error.message : String(error);
      return new ConfigError(`Cannot parse the config file ${shown}: ${message}`, `Fix its syntax (JSON or YAML), ${other}.`);
    }
    default:
      return new ConfigError(`Cannot read the config file ${shown}: ${code}.`, `Check the file, ${other}.`);
  }
}

/**
 * The search asks about some twenty places before any command can start, nearly all missing: asked
 * directly, each answers in microseconds; through the thread pool, each costs a turn of the event
 * loop (a few milliseconds in all, before a batch's first message).
 */
function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A token in a file that others can read, or in package.json (usually committed). */
async function tokenWarnings(config: ConfigFile, filepath: string): Promise<string[]> {
  if (!holdsToken(config)) return [];
  if (filepath.endsWith('package.json')) {
    return [`${filepath} holds an auth token; package.json is usually committed, so keep the token in PLIVO_AUTH_TOKEN instead`];
  }
  const readers = readableBy((await stat(filepath)).mode);
  return readers === undefined ? [] : [`${filepath} holds an auth token and can be read by ${readers}: run chmod 600 ${filepath}`];
}

/** Who besides the owner may read a file of this mode: only the read bits count (0620 is private). */
export function readableBy(mode: number): string | undefined {
  if (mode & 0o004) return 'everyone';
  if (mode & 0o040) return 'its group';
  return undefined;
}

function holdsToken(config: ConfigFile): boolean {
  return config.authToken !== undefined || Object.values(config.profiles ?? {}).some((p) => p.authToken !== undefined);
}
