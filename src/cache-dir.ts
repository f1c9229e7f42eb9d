/** The user cache directory, shared by the price cache (transport/pricing.ts) and the code cache (program-loader.ts). */
import * as path from 'node:path';

/**
 * Where plivo-send keeps caches: `$XDG_CACHE_HOME/plivo-send` when set (an absolute path, as the
 * XDG base directory specification requires), else the platform's place for them.
 */
export function userCacheDir(env: Record<string, string | undefined>, homedir: string, platform: NodeJS.Platform): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && paths.isAbsolute(xdg)) return paths.join(xdg, 'plivo-send');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA?.trim() || paths.join(homedir, 'AppData', 'Local');
    return paths.join(local, 'plivo-send', 'Cache');
  }
  if (platform === 'darwin') return paths.join(homedir, 'Library', 'Caches', 'plivo-send');
  return paths.join(homedir, '.cache', 'plivo-send');
}
