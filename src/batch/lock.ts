/**
 * One run per journal: `<journal>.lock` (mode 0600) holds the pid of the run that owns the
 * journal. Two runs appending to one journal (a `--resume` started while the first run is still
 * sending) would both send the same rows, so a second run is refused while the owner's pid is
 * alive. A lock left by a run that died without cleaning up (kill -9, a crash, power loss) names a
 * pid that is no longer running: it is taken over, and the caller says so.
 *
 * The lock belongs to the file, not to the path: it is named from the journal's real path, so a
 * symlink to the journal finds the same lock. A hard link has a real path of its own, so once the
 * journal exists a second lock is taken, named by its device and inode, in a private directory of
 * the user's (`$TMPDIR/plivo-send-<uid>/`): runs of one user on one machine meet there whatever
 * directory their link is in. Runs of other users (or with another TMPDIR) do not; for them a run
 * also looks at the other live locks in the journal's own directory, so a hard link there is seen.
 */
import { link, lstat, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
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
  /** The lock named by the journal's device and inode, once taken. */
  readonly filePath: string | undefined;
  /**
   * Takes the lock named by the journal's device and inode (done at once when the journal exists
   * already): call it as soon as a new journal is created, before anything is sent.
   */
  lockFile(): Promise<void>;
  /** Removes the locks (once; never a lock another run holds by then). */
  release(): Promise<void>;
}

export interface LockOptions {
  /** The journal's name in messages (the --journal path as given). */
  shownAs?: string;
  /** Our pid (tests pass another). */
  pid?: number;
  /** Whether a pid is running (tests pass a fake). */
  isAlive?: (pid: number) => boolean;
  /** Where the locks named by device and inode go (default: fileLockDirectory()). */
  fileLocks?: string;
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

/**
 * The user's directory of locks named by device and inode. Not $XDG_RUNTIME_DIR: a logout deletes
 * it under a batch left running (nohup), and cron runs without it, so two runs would not meet.
 */
function fileLockDirectory(): string {
  return join(tmpdir(), `plivo-send-${process.getuid?.() ?? userInfo().username}`);
}

/** The lock file of a journal: beside its real path. */
export async function lockPathOf(journalPath: string): Promise<string> {
  return `${(await fileIdentity(journalPath)).realPath}.lock`;
}

/** A lock file taken: what `takeLock` returns. */
interface HeldLock {
  path: string;
  tookOver: { pid: number | undefined } | undefined;
  release(): Promise<void>;
}

const BESIDE_JOURNAL = 'A run holds the lock file beside its journal: give --journal a path in a directory you can write to.';
const IN_TMPDIR = 'A run also locks its journal in the temporary directory: set TMPDIR to a directory you can write to.';

type InUse = (holder: number, lockShown: string) => JournalError;

/**
 * Takes `<journal's real path>.lock` (and, when the journal exists, the lock named by its device
 * and inode), or throws a JournalError (exit 1) naming the pid that holds it.
 */
export async function lockJournal(journalPath: string, options: LockOptions = {}): Promise<JournalLock> {
  const identity = await fileIdentity(journalPath);
  const path = `${identity.realPath}.lock`;
  const journalShown = options.shownAs ?? journalPath;
  const shown = identity.realPath === journalPath ? `${journalShown}.lock` : path;
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? pidIsAlive;
  const inUse: InUse = (holder, lockShown) =>
    new JournalError(
      `The journal ${journalShown} is in use by another plivo-send run (pid ${holder}, lock file ${lockShown}). Nothing was sent.`,
      `Wait for that run to finish (or stop it with Ctrl-C), then resume. If pid ${holder} is not plivo-send, delete ${lockShown} and try again.`,
    );
  const byPath = await takeLock(path, shown, pid, isAlive, inUse);
  let byFile: HeldLock | undefined;
  const lock: JournalLock = {
    path,
    shown,
    tookOver: byPath.tookOver,
    get filePath() {
      return byFile?.path;
    },
    async lockFile() {
      byFile ??= await takeFileLock(journalPath, options.fileLocks ?? fileLockDirectory(), pid, isAlive, inUse);
    },
    async release() {
      await byFile?.release();
      await byPath.release();
    },
  };
  try {
    // Checked after taking ours: two runs starting together on two links then both see the other
    // and both stop, rather than both going on.
    const other = await liveLockOnSameFile(identity, path, pid, isAlive);
    if (other) throw inUse(other.pid, other.path);
    if (identity.inode !== undefined) await lock.lockFile();
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}

/** The lock named by the journal's device and inode, in the user's private lock directory. */
async function takeFileLock(journalPath: string, directory: string, pid: number, isAlive: (pid: number) => boolean, inUse: InUse): Promise<HeldLock> {
  const info = await stat(journalPath);
  await ensurePrivateDirectory(directory);
  const path = join(directory, `${info.dev}-${info.ino}.lock`);
  return takeLock(path, path, pid, isAlive, inUse, IN_TMPDIR);
}

/** Creates `directory` (0700), or checks that the one there is the user's own and not writable by others. */
async function ensurePrivateDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new JournalError(`Cannot create the lock directory ${directory}: ${describeSystemError(error)}. Nothing was sent.`, IN_TMPDIR);
    }
  }
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no owners or modes to check
  const info = await lstat(directory);
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o022) !== 0) {
    // Another user could delete or plant locks in it, and so let two runs share a journal.
    throw new JournalError(
      `The lock directory ${directory} is not a private directory of yours (it must be a directory owned by uid ${uid} that no one else can write to). Nothing was sent.`,
      `Remove ${directory} (or set TMPDIR to a directory of your own), then try again.`,
    );
  }
}

/** Creates the lock file `path` holding our pid, taking over the lock of a dead run. */
async function takeLock(path: string, shown: string, pid: number, isAlive: (pid: number) => boolean, inUse: InUse, hint = BESIDE_JOURNAL): Promise<HeldLock> {
  let tookOver: { pid: number | undefined } | undefined;
  for (let tries = 0; ; tries++) {
    if (tries > 10)
      throw new JournalError(`Cannot take the lock file ${shown}: other runs keep taking it. Nothing was sent.`, 'Run one plivo-send per journal at a time.');
    if (await tryCreate(path, pid, shown, hint)) break;
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
      throw lockError(shown, error, hint);
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
  return {
    path,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      if ((await readPid(path)) === pid) await unlink(path).catch(() => undefined);
    },
  };
}

/** A live lock, other than ours, in the journal's directory that guards a hard link to it. */
async function liveLockOnSameFile(
  identity: FileIdentity,
  ours: string,
  pid: number,
  isAlive: (pid: number) => boolean,
): Promise<{ pid: number; path: string } | undefined> {
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

async function tryCreate(path: string, pid: number, shown: string, hint: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(shown, error, hint);
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

function lockError(shown: string, error: unknown, hint: string): JournalError {
  return new JournalError(`Cannot create the lock file ${shown}: ${describeSystemError(error)}. Nothing was sent.`, hint);
}
