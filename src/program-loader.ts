/**
 * How dist/cli.cjs runs every command but `segments` and `--version`: it loads dist/program.cjs
 * (the command tree and everything it reaches, one CommonJS bundle) through V8's code cache.
 *
 * Compiling the program's JavaScript is a good part of a command's start-up (about 25 ms of a
 * single send, more of a batch, whose first message waits for it). V8 can hand back the bytecode of
 * every function a run compiled (`script.createCachedData()`), and take it again on the next run
 * (`cachedData`), skipping the compilation; Node 20 offers that only for scripts compiled through
 * `node:vm`, hence the bundle and this loader. The build maps src/cli.ts's `import('./program.js')`
 * here (scripts/build.js); tests that run src/ directly import src/program.ts itself.
 *
 * The cache lives in the user cache directory (`code/<command>.bin`, mode 0600): one file per
 * command, and for the send commands one per batch or single send, dry run or not, as each compiles
 * different functions. A file starts with the SHA-1 of the source it was made from (V8 itself
 * rejects data from another V8 version or other flags, but checks only the length of the source),
 * then the SHA-1 of the data (V8 does not check the data, and damaged data can crash it). The cache
 * is an optimisation and nothing more: a file that is missing, stale, rejected, damaged, not the
 * user's own or writable by others is ignored and rewritten after the run; a cache directory that is
 * not the user's own, or that others may write to, is neither read nor written.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { Context } from './context.js';
import type { runProgram as RunProgram } from './program.js';
import { userCacheDir } from './cache-dir.js';
import { ExitCode } from './errors.js';

declare const __dirname: string;

/** SHA-1 of the source the data was made from, then SHA-1 of the data. */
const HASH_BYTES = 20;
const HEADER_BYTES = 2 * HASH_BYTES;

/** The commands whose runs get a cache file of their own; any other first argument shares `other`. */
const COMMANDS = new Set(['sms', 'mms', 'whatsapp', 'segments', 'status', 'messages', 'report', 'listen', 'sandbox', 'config', 'completion']);
const SEND_COMMANDS = new Set(['sms', 'mms', 'whatsapp']);

export async function runProgram(argv: string[], ctx: Context): Promise<number> {
  const file = path.join(__dirname, 'program.cjs');
  // A config file named with --config may be JavaScript, which cosmiconfig loads with import():
  // a script compiled with cached data loses the way to import (a Node limitation), so such runs
  // load the bundle through Node's own loader, without the cache.
  if (argv.some((arg) => arg === '--config' || arg.startsWith('--config='))) {
    return (Module.createRequire(file)(file) as { runProgram: typeof RunProgram }).runProgram(argv, ctx);
  }
  const source = fs.readFileSync(file);
  const hash = createHash('sha1').update(source).digest();
  const cacheFile = cacheFileOf(argv, ctx);
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile, hash);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData: cached });
  const module = { exports: {} as { runProgram: typeof RunProgram } };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, Module.createRequire(file), module, file, __dirname);
  const code = await module.exports.runProgram(argv, ctx);
  // A run cut short by a signal has compiled less than a whole one; the next run writes the file.
  if (cacheFile !== undefined && (cached === undefined || script.cachedDataRejected === true) && !INTERRUPTED.has(code)) {
    writeCache(cacheFile, hash, script.createCachedData());
  }
  return code;
}

const INTERRUPTED = new Set<number>([ExitCode.interrupted, ExitCode.terminated, ExitCode.hangup]);

function cacheFileOf(argv: readonly string[], ctx: Context): string | undefined {
  const first = argv[0] ?? '';
  let name = COMMANDS.has(first) ? first : 'other';
  if (SEND_COMMANDS.has(first)) {
    // A batch and a dry run each compile much that the others never reach.
    if (argv.some((arg) => arg === '--csv' || arg.startsWith('--csv='))) name += '-batch';
    if (argv.includes('--dry-run')) name += '-dry-run';
  }
  try {
    return path.join(userCacheDir(ctx.io.env, ctx.io.homedir, process.platform), 'code', `${name}.bin`);
  } catch {
    return undefined;
  }
}

/**
 * The cached data, when the file is a regular file of the user's own that others cannot write, in
 * a directory of the same kind, made from this source, and whole. V8 checks its version and flags
 * but not the data itself: damaged data can crash the process, hence the second hash.
 */
function readCache(file: string, sourceHash: Buffer): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!privateDirectory(path.dirname(file))) return undefined;
    // No blocking on a FIFO, no following a symlink.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !ownedByUser(stat) || (stat.mode & 0o022) !== 0 || stat.size <= HEADER_BYTES) return undefined;
    const data = fs.readFileSync(fd);
    const payload = data.subarray(HEADER_BYTES);
    if (!data.subarray(0, HASH_BYTES).equals(sourceHash)) return undefined;
    return data.subarray(HASH_BYTES, HEADER_BYTES).equals(createHash('sha1').update(payload).digest()) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Written whole or not at all: a new file under a random name (never through a symlink someone put
 * there), renamed over the old one; and only in a directory that is the user's own.
 */
function writeCache(file: string, sourceHash: Buffer, data: Buffer): void {
  const directory = path.dirname(file);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    if (!privateDirectory(directory)) return;
    fs.writeFileSync(temporary, Buffer.concat([sourceHash, createHash('sha1').update(data).digest(), data]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache is only an optimisation
    }
  }
}

/** A real directory (not a symlink), the user's own, that no one else may write to. */
function privateDirectory(directory: string): boolean {
  const stat = fs.lstatSync(directory);
  return stat.isDirectory() && ownedByUser(stat) && (stat.mode & 0o022) === 0;
}

function ownedByUser(stat: fs.Stats): boolean {
  return process.getuid === undefined || stat.uid === process.getuid();
}
