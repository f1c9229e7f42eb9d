/**
 * Finds and reads the config file with cosmiconfig (name `plivo`): from the working directory up
 * to the home directory, then `$XDG_CONFIG_HOME/plivo/`; or exactly the file given by --config.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { parseConfigFile, type ConfigFile } from '../core/settings.js';

export const SEARCH_PLACES = [
  'package.json',
  '.plivorc',
  '.plivorc.json',
  '.plivorc.yaml',
  '.plivorc.yml',
  '.plivorc.js',
  '.plivorc.cjs',
  '.plivorc.mjs',
  'plivo.config.js',
  'plivo.config.cjs',
  'plivo.config.mjs',
];

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
}

export async function loadConfig({ cwd, homedir, path }: LoadConfigOptions): Promise<LoadedConfig> {
  // Up to the home directory; from a directory outside it (/tmp, a CI checkout), only that
  // directory: a config file in a shared parent could redirect the credentials elsewhere.
  const fromHome = relative(homedir, cwd);
  const inHome = !fromHome.startsWith('..') && !isAbsolute(fromHome);
  const explorer = cosmiconfig('plivo', {
    searchPlaces: SEARCH_PLACES,
    mergeSearchPlaces: false,
    searchStrategy: 'global',
    stopDir: inHome ? homedir : cwd,
    cache: false,
  });
  let result;
  try {
    result = path ? await explorer.load(path) : await explorer.search(cwd);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (path && /ENOENT/.test(message)) throw new ConfigError(`Config file ${path} does not exist.`, 'Check the --config path.');
    throw new ConfigError(`Cannot read the config file: ${message}`, 'Fix its syntax (JSON or YAML), or point --config at another file.');
  }
  if (!result || result.isEmpty) return { config: {}, filepath: result?.filepath, warnings: [] };
  const config = parseConfigFile(result.config, result.filepath);
  const warnings: string[] = [];
  if (holdsToken(config) && !result.filepath.endsWith('package.json')) {
    const mode = (await stat(result.filepath)).mode;
    if ((mode & 0o077) !== 0) {
      warnings.push(
        `${result.filepath} holds an auth token and can be read by ${mode & 0o007 ? 'everyone' : 'its group'}: run chmod 600 ${result.filepath}`,
      );
    }
  } else if (holdsToken(config)) {
    warnings.push(`${result.filepath} holds an auth token; package.json is usually committed, so keep the token in PLIVO_AUTH_TOKEN instead`);
  }
  return { config, filepath: result.filepath, warnings };
}

function holdsToken(config: ConfigFile): boolean {
  return config.authToken !== undefined || Object.values(config.profiles ?? {}).some((p) => p.authToken !== undefined);
}
