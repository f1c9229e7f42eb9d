/**
 * Which file a path names, however it is reached: through a symlink, `..`, or another hard link.
 * Path strings cannot tell (`j.jsonl`, `link.jsonl` and `../d/j.jsonl` may be one file), so locks
 * and overwrite checks compare identities.
 */
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface FileIdentity {
  /** The real path; for a file that does not exist yet, the real path it would be created at. */
  realPath: string;
  /** `dev:ino` of an existing file: the same for every hard link to it. */
  inode: string | undefined;
}

/** Symlinks followed before giving up, as Linux's own limit (ELOOP after 40). */
const MAX_LINKS = 40;

export async function fileIdentity(path: string): Promise<FileIdentity> {
  const absolute = resolve(path);
  try {
    const [real, info] = await Promise.all([realpath(absolute), stat(absolute)]);
    return { realPath: real, inode: `${info.dev}:${info.ino}` };
  } catch {
    return { realPath: await danglingTarget(absolute), inode: undefined };
  }
}

/**
 * Where a path that does not resolve would be created: a dangling symlink (`r.jsonl -> j.jsonl`
 * before j.jsonl exists) creates its target when opened for writing, so it names that target.
 */
async function danglingTarget(absolute: string): Promise<string> {
  let current = await realDirectory(absolute);
  for (let links = 0; links < MAX_LINKS; links++) {
    const target = await readlink(current).catch(() => undefined);
    if (target === undefined) return current; // not a link (or nothing there): the path itself
    // A relative target is relative to the link's own directory.
    current = await realDirectory(resolve(dirname(current), target));
  }
  return current; // a symlink loop: opening it fails with ELOOP
}

async function realDirectory(absolute: string): Promise<string> {
  try {
    return join(await realpath(dirname(absolute)), basename(absolute));
  } catch {
    return absolute; // the directory does not exist either: whoever opens the path will say so
  }
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.realPath === b.realPath || (a.inode !== undefined && a.inode === b.inode);
}

/** Names in `directory` ending in `suffix` ([] when it cannot be listed). */
export async function namesEndingIn(directory: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(directory)).filter((name) => name.endsWith(suffix));
  } catch {
    return [];
  }
}
