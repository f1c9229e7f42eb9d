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
 * different functions. A file starts with the SHA-1 of the source it was made from: V8 itself
 * rejects data from another V8 version or other flags, but checks only the length of the source.
 * The cache is an optimisation and nothing more: a file that is missing, stale, rejected, not the
 * user's own or writable by others is ignored and rewritten after the run; a cache directory that
 * cannot be written is left alone, silently.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { Context } from './context.js';
import type { runProgram as RunProgram } from './program.js';
import { userCacheDir } from './cache-dir.js';
import { ExitCode } from './errors.js';

declare const __dirname: string;

const HASH_BYTES = 20;

/** The commands whose runs get a cache file of their own; any other first argument shares `other`. */
const COMMANDS = new Set(['sms', 'mms', 'whatsapp', 'segments', 'status', 'messages', 'report', 'listen', 'sandbox', 'config', 'completion']);
const SEND_COMMANDS = new Set(['sms', 'mms', 'whatsapp']);

export async function runProgram(argv: string[], ctx: Context): Promise<number> {
  const file = path.join(__dirname, 'program.cjs');
  const source = fs.readFileSync(file);
  const hash = createHash('sha1').update(source).digest();
  const cacheFile = cacheFileOf(argv, ctx);
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile, hash);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), {
    filename: file,
    cachedData: cached,
    // cosmiconfig's loader of a .ts config file (--config x.ts) import()s typescript.
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ?? ((specifier: string) => import(specifier)),
  });
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

/** The cached data after its hash, when the file is the user's own, private, and made from this source. */
function readCache(file: string, hash: Buffer): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    const own = process.getuid === undefined || stat.uid === process.getuid();
    if (!stat.isFile() || !own || (stat.mode & 0o022) !== 0 || stat.size <= HASH_BYTES) return undefined;
    const data = fs.readFileSync(fd);
    return data.subarray(0, HASH_BYTES).equals(hash) ? data.subarray(HASH_BYTES) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Written whole or not at all: a temporary file renamed over the old one. */
function writeCache(file: string, hash: Buffer, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(temporary, Buffer.concat([hash, data]), { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache is only an optimisation
    }
  }
}
