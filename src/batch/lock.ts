/**
 * One run per journal: `<journal>.lock` (mode 0600) holds the pid of the run that owns the
 * journal. Two runs appending to one journal (a `--resume` started while the first run is still
 * sending) would both send the same rows, so a second run is refused while the owner's pid is
 * alive. A lock left by a run that died without cleaning up (kill -9, a crash, power loss) names a
 * pid that is no longer running: it is taken over, and the caller says so.
 *
 * The lock belongs to the file, not to the path: it is named from the journal's real path, so a
 * symlink to the journal finds the same lock; and a run also looks at the other live locks in that
 * directory, refusing when one guards a hard link to its journal (same device and inode). A hard
 * link in another directory is not seen: the README says so.
 */
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeSystemError } from '../errors.js';
import { JournalError } from './journal.js';
import { fileIdentity, namesEndingIn, type FileIdentity } from './file-identity.js';

export interface JournalLock {
  readonly path: string;
  /** The lock file's name in messages. */
  readonly shown: string;
  /** Set when a stale lock was taken over: the pid of the dead run that left it, if readable. */
  readonly tookOver: { pid: number | undefined } | undefined;
  /** Removes the lock (once; never a lock another run holds by then). */
  release(): Promise<void>;
}

export interface LockOptions {
  /** The journal's name in messages (the --journal path as given). */
  shownAs?: string;
  /** Our pid (tests pass another). */
  pid?: number;
  /** Whether a pid is running (tests pass a fake). */
  isAlive?: (pid: number) => boolean;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a journal: beside its real path. */
export async function lockPathOf(journalPath: string): Promise<string> {
  return `${(await fileIdentity(journalPath)).realPath}.lock`;
}

/** Takes `<journal's real path>.lock`, or throws a JournalError (exit 1) naming the pid that holds it. */
export async function lockJournal(journalPath: string, options: LockOptions = {}): Promise<JournalLock> {
  const identity = await fileIdentity(journalPath);
  const path = `${identity.realPath}.lock`;
  const journalShown = options.shownAs ?? journalPath;
  const shown = identity.realPath === journalPath ? `${journalShown}.lock` : path;
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? pidIsAlive;
  const inUse = (holder: number, lockShown: string): JournalError =>
    new JournalError(
      `The journal ${journalShown} is in use by another plivo-send run (pid ${holder}, lock file ${lockShown}). Nothing was sent.`,
      `Wait for that run to finish (or stop it with Ctrl-C), then resume. If pid ${holder} is not plivo-send, delete ${lockShown} and try again.`,
    );
  let tookOver: { pid: number | undefined } | undefined;
  for (let tries = 0; ; tries++) {
    if (tries > 10) throw new JournalError(`Cannot take the lock file ${shown}: other runs keep taking it. Nothing was sent.`, 'Run one plivo-send per journal at a time.');
    if (await tryCreate(path, pid, shown)) break;
    const holder = await readPid(path);
    if (holder === 'gone') continue; // released between our open and our read: try again
    if (typeof holder === 'number' && isAlive(holder)) throw inUse(holder, shown);
    // No pid yet: the run that created it may be about to write it. Look once more.
    if (holder === undefined && tries === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    // Stale (its run is dead) or unreadable: move it aside, and check that what was moved is
    // still the stale lock; another run may have taken it over in between.
    const aside = `${path}.${pid}.stale`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw lockError(shown, error);
    }
    const moved = await readPid(aside);
    if (moved !== holder && moved !== 'gone') {
      // Another run's fresh lock: put it back (unless yet another run holds the name now).
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    tookOver = { pid: holder };
  }
  let released = false;
  const lock: JournalLock = {
    path,
    shown,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      if ((await readPid(path)) === pid) await unlink(path).catch(() => undefined);
    },
  };
  // Checked after taking ours: two runs starting together on two links then both see the other
  // and both stop, rather than both going on.
  const other = await liveLockOnSameFile(identity, path, pid, isAlive);
  if (other) {
    await lock.release();
    throw inUse(other.pid, other.path);
  }
  return lock;
}

/** A live lock, other than ours, in the journal's directory that guards a hard link to it. */
async function liveLockOnSameFile(identity: FileIdentity, ours: string, pid: number, isAlive: (pid: number) => boolean): Promise<{ pid: number; path: string } | undefined> {
  if (identity.inode === undefined) return undefined; // a new journal: no other name for it yet
  const directory = dirname(identity.realPath);
  for (const name of await namesEndingIn(directory, '.lock')) {
    const path = join(directory, name);
    if (path === ours) continue;
    const guarded = await stat(path.slice(0, -'.lock'.length)).catch(() => undefined);
    if (guarded === undefined || `${guarded.dev}:${guarded.ino}` !== identity.inode) continue;
    const holder = await readPid(path);
    if (typeof holder === 'number' && holder !== pid && isAlive(holder)) return { pid: holder, path };
  }
  return undefined;
}

async function tryCreate(path: string, pid: number, shown: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(shown, error);
  }
  try {
    await handle.writeFile(`${pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** The pid in a lock file; 'gone' when there is no file; undefined when it holds no pid. */
async function readPid(path: string): Promise<number | 'gone' | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function lockError(shown: string, error: unknown): JournalError {
  return new JournalError(`Cannot create the lock file ${shown}: ${describeSystemError(error)}. Nothing was sent.`, 'A run holds the lock file beside its journal: give --journal a path in a directory you can write to.');
}
