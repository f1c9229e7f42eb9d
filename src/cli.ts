/**
 * Entry point: runs the program and turns its outcome into an exit code, in one place.
 *
 * Start-up time matters in shell loops (`while read l; do plivo-send segments --text "$l"; done`):
 * this module loads only what `segments` and `--version` need, and commander with the program's
 * command tree (src/program.ts) is imported for everything else. scripts/build.js bundles this file
 * alone, as CommonJS: the common runs read one small file, without Node's ES module loader.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Context } from './context.js';
import type { InterruptSignal, Io, OutStream, Terminal } from './io.js';
import { Output, prepareColors } from './output.js';
import { CliError, describeSystemError, ExitCode } from './errors.js';
import { VERSION } from './version.js';
import { runSegments, type SegmentsFlags } from './flows/segments.js';

export async function run(argv: string[], ctx: Context): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    ctx.io.stdout.write(`${ctx.version}\n`);
    return ExitCode.ok;
  }
  const segments = readSegmentsFlags(argv);
  if (segments) return runSegmentsCommand(ctx, segments);
  return (await import('./program.js')).runProgram(argv, ctx);
}

/** What `segments` accepts: `value` flags take the next argument (or `--flag=value`). */
const SEGMENTS_FLAGS: Readonly<Record<string, { key: keyof SegmentsFlags; value: boolean }>> = {
  '--text': { key: 'text', value: true },
  '--file': { key: 'file', value: true },
  '--lines': { key: 'lines', value: false },
  '--smart-encoding': { key: 'smartEncoding', value: false },
  '--json': { key: 'json', value: false },
};

/**
 * `segments` with its own flags, each at most once, read without commander: the flags as commander
 * would give them. Anything else (help, an unknown or repeated flag, a missing value or one that
 * starts with a dash, an argument that is not UTF-8) is undefined and takes the long way, through
 * commander and its errors, so that both ways behave alike (test/e2e/segments.test.ts compares them).
 */
export function readSegmentsFlags(argv: readonly string[]): SegmentsFlags | undefined {
  if (argv[0] !== 'segments') return undefined;
  const flags: Record<string, string | boolean> = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.includes('\uFFFD')) return undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = Object.hasOwn(SEGMENTS_FLAGS, name) ? SEGMENTS_FLAGS[name] : undefined;
    if (!flag || Object.hasOwn(flags, flag.key)) return undefined;
    if (!flag.value) {
      if (eq > 0) return undefined;
      flags[flag.key] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value !== '-' && value.startsWith('-')) || value.includes('\uFFFD')) return undefined;
    flags[flag.key] = value;
  }
  return flags;
}

/** `segments` with the error handling runProgram gives every command. */
async function runSegmentsCommand(ctx: Context, flags: SegmentsFlags): Promise<number> {
  await prepareColors(ctx.io);
  try {
    return await runSegments(ctx, flags);
  } catch (error) {
    new Output(ctx.io, flags.json === true).error(error, false);
    return error instanceof CliError ? error.exitCode : ExitCode.invalid;
  }
}

const STOP_SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The real process: stdio, environment, signals, the terminal. */
export async function main(): Promise<void> {
  // stdin, stdout and stderr are built by Node on first access (a stream each, and the stream
  // modules with the first): most runs never touch stdin, and stderr only on errors, so both are
  // reached lazily; stdout is written directly unless it is a terminal.
  const [stdoutIsTTY, stderrIsTTY] = await Promise.all([isTerminal(1), isTerminal(2)]);
  const io: Io = {
    stdout: stdoutIsTTY ? stdout() : directStdout(),
    // On a terminal the real stream (the spinner moves the cursor with it); otherwise a stand-in
    // that builds it on the first write.
    stderr: stderrIsTTY ? stderr() : { write: (chunk: string) => stderr().write(chunk), isTTY: false },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    homedir: os.homedir(),
    onInterrupt: (handler) => {
      const listeners = STOP_SIGNALS.map((signal) => [signal, () => handler(signal)] as const);
      for (const [signal, listener] of listeners) process.on(signal, listener);
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
      };
    },
    openTty,
  };
  const code = await run(process.argv.slice(2), { io, version: VERSION });
  process.exitCode = code;
  if (code === ExitCode.hangup && onCharacterDevice()) {
    // The terminal is gone: Node's exit would restore its settings, fail on it and abort. A
    // program whose terminal hung up dies of SIGHUP, which the shell reports as 129 all the same.
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
    return;
  }
  // Stopped by a signal: what is left (a request whose answer no longer matters, kept-alive
  // sockets) must not hold the process, once what was written has left (pipes are asynchronous
  // on some systems).
  if (code === ExitCode.interrupted || code === ExitCode.terminated || code === ExitCode.hangup) {
    await Promise.all([stdoutStream ? flushed(stdoutStream) : undefined, stderrStream ? flushed(stderrStream) : undefined]);
    process.exit(code);
  }
}

const CLOSED_OUTPUT = new Set(['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED']);

function dropWritesWhenClosed<T extends NodeJS.WriteStream>(stream: T): T {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!CLOSED_OUTPUT.has(error.code ?? '')) throw outputError(error);
  });
  return stream;
}

/** A write to stdout that failed (a full disk, a file size limit): the user's problem, not a bug. */
function outputError(error: unknown): CliError {
  return new CliError(`Cannot write the output: ${describeSystemError(error)}.`, {
    exitCode: ExitCode.invalid,
    code: 'output',
    hint: 'Check where stdout goes (a full disk, a file size limit).',
    cause: error,
  });
}

let stdoutStream: NodeJS.WriteStream | undefined;
/** process.stdout, built on first use and guarded. */
function stdout(): NodeJS.WriteStream {
  stdoutStream ??= dropWritesWhenClosed(process.stdout);
  return stdoutStream;
}

let stderrStream: NodeJS.WriteStream | undefined;
/** process.stderr, built on first use (and then guarded like stdout). */
function stderr(): NodeJS.WriteStream {
  stderrStream ??= dropWritesWhenClosed(process.stderr);
  return stderrStream;
}

/**
 * stdout that is not a terminal (a pipe, a file, /dev/null), written with write(2) rather than
 * through a stream: what is written has left when write() returns, a slow reader holds the writer
 * back (flat memory for `segments --lines`), and no stream is built. A pipe left non-blocking by
 * another program (EAGAIN) is handed to process.stdout from there on (`once('drain')` then waits
 * for it); a closed one drops the rest. The caller may reuse `bytes` once writeBytes returns.
 */
function directStdout(): OutStream & { writeBytes(bytes: Uint8Array): boolean; once(event: 'drain', listener: () => void): void } {
  let closed = false;
  const writeBytes = (bytes: Uint8Array): boolean => {
    // A stream keeps what it cannot write yet: a copy, since the caller reuses its buffer.
    if (stdoutStream) return stdoutStream.write(Buffer.from(bytes));
    if (closed) return true;
    let done = 0;
    try {
      while (done < bytes.length) done += fs.writeSync(1, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EAGAIN') return stdout().write(Buffer.from(bytes.subarray(done)));
      if (!CLOSED_OUTPUT.has(code)) throw outputError(error);
      closed = true;
    }
    return true;
  };
  return {
    isTTY: false,
    write: (chunk: string) => writeBytes(Buffer.from(chunk)),
    writeBytes,
    once: (event, listener) => void (stdoutStream ? stdoutStream.once(event, listener) : listener()),
  };
}

/** Resolves once `stream` has handed everything written so far to the system (at most 2 s). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    stream.write('', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Whether stdin, stdout or stderr is a character device. Asked once the terminal hung up, when
 * isatty() already answers false for it; /dev/null counts too, which does no harm here.
 */
function onCharacterDevice(): boolean {
  return [0, 1, 2].some((fd) => {
    try {
      return fs.fstatSync(fd).isCharacterDevice();
    } catch {
      return false;
    }
  });
}

/**
 * A terminal is a character device other than /dev/null (`> /dev/null` in a shell loop): only then
 * is node:tty (which loads node:net and the streams) worth loading.
 */
async function isTerminal(fd: number): Promise<boolean> {
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isCharacterDevice() || stat.rdev === fs.statSync('/dev/null').rdev) return false;
  } catch {
    return false;
  }
  return (await import('node:tty')).isatty(fd);
}

/**
 * The controlling terminal, for a question when stdin is a pipe (`… | plivo-send sms --csv -`):
 * one descriptor to read (a tty stream, so that it can be let go while waiting), one to write.
 */
async function openTty(): Promise<Terminal | undefined> {
  let readFd: number;
  let writeFd: number;
  try {
    readFd = fs.openSync('/dev/tty', 'r');
  } catch {
    return undefined; // no controlling terminal (cron, CI, a detached session) or no /dev/tty
  }
  try {
    writeFd = fs.openSync('/dev/tty', 'w');
  } catch {
    fs.closeSync(readFd);
    return undefined;
  }
  const { ReadStream } = await import('node:tty');
  const input = new ReadStream(readFd);
  return {
    input,
    output: { write: (chunk: string) => fs.writeSync(writeFd, chunk), isTTY: true },
    close: () => {
      input.destroy();
      fs.closeSync(writeFd);
    },
  };
}
