/**
 * The journal's second lock, named by its device and inode in the user's private lock directory:
 * what makes a hard link in another directory meet the run that holds the journal. Taken over
 * from a dead run like the lock beside the journal, released with it, and refused in a directory
 * someone else could plant locks in.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockJournal } from '../../src/batch/lock.js';
import { tempDir } from './harness.js';

/** Above Linux's largest pid_max (2^22): no process can have it. */
const DEAD_PID = 99_999_999;
const OTHER_PID = 4242;

/** A directory with a journal `j.jsonl` and the path of the lock directory beside it (not yet made). */
function setUp(): { dir: string; journal: string; locks: string; fileLock: () => string } {
  const dir = tempDir();
  const journal = join(dir, 'j.jsonl');
  writeFileSync(journal, '{"journal":"plivo-send"}\n');
  const locks = join(dir, 'locks');
  const fileLock = () => {
    const info = statSync(journal);
    return join(locks, `${info.dev}-${info.ino}.lock`);
  };
  return { dir, journal, locks, fileLock };
}

describe('the lock on the journal file', () => {
  it('is taken with the lock beside the journal, in a directory made 0700, and released with it', async () => {
    const { journal, locks, fileLock } = setUp();
    const lock = await lockJournal(journal, { fileLocks: locks });
    expect(lock.filePath).toBe(fileLock());
    expect(readFileSync(fileLock(), 'utf8')).toBe(`${process.pid}\n`);
    expect(statSync(locks).mode & 0o777).toBe(0o700);
    await lock.release();
    expect(readdirSync(locks)).toEqual([]);
    expect(existsSync(`${journal}.lock`)).toBe(false);
  });

  it('for a new journal, is taken by lockFile() once the journal exists', async () => {
    const { dir, locks } = setUp();
    const journal = join(dir, 'new.jsonl');
    const lock = await lockJournal(journal, { fileLocks: locks });
    expect(lock.filePath).toBeUndefined();
    writeFileSync(journal, '');
    await lock.lockFile();
    const info = statSync(journal);
    expect(lock.filePath).toBe(join(locks, `${info.dev}-${info.ino}.lock`));
    await lock.release();
    expect(readdirSync(locks)).toEqual([]);
  });

  it('held by a live run: refused, naming its pid and lock file, and the lock beside the journal is let go', async () => {
    const { journal, locks, fileLock } = setUp();
    mkdirSync(locks, { mode: 0o700 });
    writeFileSync(fileLock(), `${OTHER_PID}\n`);
    const taking = lockJournal(journal, { fileLocks: locks, isAlive: (pid) => pid === OTHER_PID, shownAs: 'j.jsonl' });
    await expect(taking).rejects.toThrow(
      `The journal j.jsonl is in use by another plivo-send run (pid ${OTHER_PID}, lock file ${fileLock()}). Nothing was sent.`,
    );
    expect(existsSync(`${journal}.lock`)).toBe(false);
    expect(readFileSync(fileLock(), 'utf8')).toBe(`${OTHER_PID}\n`);
  });

  it('left by a dead run: taken over', async () => {
    const { journal, locks, fileLock } = setUp();
    mkdirSync(locks, { mode: 0o700 });
    writeFileSync(fileLock(), `${DEAD_PID}\n`);
    const lock = await lockJournal(journal, { fileLocks: locks });
    expect(readFileSync(fileLock(), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    expect(existsSync(fileLock())).toBe(false);
  });

  it('in a lock directory others can write to: refused (they could remove a live lock), nothing left locked', async () => {
    const { journal, locks } = setUp();
    mkdirSync(locks);
    chmodSync(locks, 0o777);
    await expect(lockJournal(journal, { fileLocks: locks })).rejects.toThrow(`The lock directory ${locks} is not a private directory of yours`);
    expect(existsSync(`${journal}.lock`)).toBe(false);
    expect(readdirSync(locks)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('in a lock directory owned by another user: refused', async () => {
    const { journal, locks } = setUp();
    mkdirSync(locks, { mode: 0o700 });
    chownSync(locks, 65534, 65534);
    await expect(lockJournal(journal, { fileLocks: locks })).rejects.toThrow(
      `The lock directory ${locks} is not a private directory of yours (it must be a directory owned by uid 0 that no one else can write to). Nothing was sent.`,
    );
    expect(existsSync(`${journal}.lock`)).toBe(false);
  });
});
