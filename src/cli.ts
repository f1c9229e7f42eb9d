/** Entry point: runs the program and turns its outcome into an exit code, in one place. */
import { homedir } from 'node:os';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { CommanderError } from 'commander';
import type { Context } from './context.js';
import type { InterruptSignal, Io, Terminal } from './io.js';
import { makeProgram, type RunState } from './program.js';
import { Output, prepareColors } from './output.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { VERSION } from './version.js';
import { capitalize } from './core/format.js';

export async function run(argv: string[], ctx: Context): Promise<number> {
  const state: RunState = { exitCode: ExitCode.ok, json: argv.includes('--json'), debug: argv.includes('--debug') };
  const program = makeProgram(ctx, state, argv[0]);
  await prepareColors(ctx.io);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.invalid;
    }
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      const message = error.message.replace(/^error: /, '');
      const sub = argv.find((a) => !a.startsWith('-'));
      const help = sub && program.commands.some((c) => c.name() === sub) ? `plivo-send ${sub} --help` : 'plivo-send --help';
      new Output(ctx.io, state.json).error(new UsageError(capitalize(message), `See ${help}.`), state.debug);
      return ExitCode.invalid;
    }
    new Output(ctx.io, state.json).error(error, state.debug);
    return error instanceof CliError ? error.exitCode : ExitCode.invalid;
  }
}

const STOP_SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The real process: stdio, environment, signals, the terminal. */
export async function main(): Promise<void> {
  // `plivo-send … | head`: a closed pipe drops the rest of the output; the command itself (a
  // send, a batch and its journal) runs to its end rather than dying mid-request.
  // A terminal that hung up (EIO) is the same: what the command still writes is lost, nothing else.
  dropWritesWhenClosed(process.stdout);
  // stdin and stderr are built by Node on first access (a stream each): most runs never touch
  // stdin, and stderr only on errors, so both are reached lazily; isatty() answers without them.
  const stderrIsTTY = await isTerminal(2);
  const io: Io = {
    stdout: process.stdout,
    // On a terminal the real stream (the spinner moves the cursor with it); otherwise a stand-in
    // that builds it on the first write.
    stderr: stderrIsTTY ? stderr() : { write: (chunk: string) => stderr().write(chunk), isTTY: false },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir(),
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
    await Promise.all([flushed(process.stdout), stderrStream ? flushed(stderrStream) : undefined]);
    process.exit(code);
  }
}

const CLOSED_OUTPUT = new Set(['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED']);

function dropWritesWhenClosed<T extends NodeJS.WriteStream>(stream: T): T {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!CLOSED_OUTPUT.has(error.code ?? '')) throw error;
  });
  return stream;
}

let stderrStream: NodeJS.WriteStream | undefined;
/** process.stderr, built on first use (and then guarded like stdout). */
function stderr(): NodeJS.WriteStream {
  stderrStream ??= dropWritesWhenClosed(process.stderr);
  return stderrStream;
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
      return fstatSync(fd).isCharacterDevice();
    } catch {
      return false;
    }
  });
}

/** A terminal is a character device: only then is node:tty (which loads node:net) worth loading. */
async function isTerminal(fd: number): Promise<boolean> {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
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
    readFd = openSync('/dev/tty', 'r');
  } catch {
    return undefined; // no controlling terminal (cron, CI, a detached session) or no /dev/tty
  }
  try {
    writeFd = openSync('/dev/tty', 'w');
  } catch {
    closeSync(readFd);
    return undefined;
  }
  const { ReadStream } = await import('node:tty');
  const input = new ReadStream(readFd);
  return {
    input,
    output: { write: (chunk: string) => writeSync(writeFd, chunk), isTTY: true },
    close: () => {
      input.destroy();
      closeSync(writeFd);
    },
  };
}
