import type { Io } from './io.js';
import type { LoadConfigOptions, LoadedConfig } from './config/load.js';

/** What a command needs from its surroundings; tests pass their own. */
export interface Context {
  io: Io;
  version: string;
  /** Defaults to the cosmiconfig loader; tests pass a fake so no real ~/.plivorc is read. */
  loadConfig?: (options: LoadConfigOptions) => Promise<LoadedConfig>;
}
