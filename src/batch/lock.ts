/**
 * One run per journal: `<journal>.lock` (mode 0600) holds the pid of the run that owns the
 * journal. Two runs appending to one journal (a `--resume` started while the first run is still
 * sending) would both send the same rows, so a second run is refused while the owner's pid is
 * alive. A lock left by a run that died without cleaning up (kill -9, a crash, power loss) names a
 * pid that is no longer running: it is taken over, and the caller says so.
 */
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { JournalError } from './journal.js';

export interface JournalLock {
  readonly path: string;
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

/** Takes `<journal>.lock`, or throws a JournalError (exit 1) naming the pid that holds it. */
export async function lockJournal(journalPath: string, options: LockOptions = {}): Promise<JournalLock> {
  const path = `${journalPath}.lock`;
  const journalShown = options.shownAs ?? journalPath;
  const shown = `${journalShown}.lock`;
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? pidIsAlive;
  let tookOver: { pid: number | undefined } | undefined;
  for (let tries = 0; ; tries++) {
    if (tries > 10) throw new JournalError(`Cannot take the lock file ${shown}: other runs keep taking it. Nothing was sent.`, 'Run one plivo-send per journal at a time.');
    if (await tryCreate(path, pid, shown)) break;
    const holder = await readPid(path);
    if (holder === 'gone') continue; // released between our open and our read: try again
    if (typeof holder === 'number' && isAlive(holder)) {
      throw new JournalError(
        `The journal ${journalShown} is in use by another plivo-send run (pid ${holder}, lock file ${shown}). Nothing was sent.`,
        `Wait for that run to finish (or stop it with Ctrl-C), then resume. If pid ${holder} is not plivo-send, delete ${shown} and try again.`,
      );
    }
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
  const code = (error as NodeJS.ErrnoException).code;
  return new JournalError(`Cannot create the lock file ${shown}: ${code ?? String(error)}. Nothing was sent.`, 'Give --journal a path in a directory you can write to.');
}
