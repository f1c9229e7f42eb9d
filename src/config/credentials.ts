/**
 * The credentials a command needs, with the auth token possibly from a password manager: the
 * `authTokenCommand` setting names a command (run without a shell) whose first line of output is
 * the token. It runs only here, so only when a command needs credentials and no token is set.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { ConfigError, ExitCode, describeSystemError } from '../errors.js';
import { describeOrigin, requireCredentials, type Credentials, type Settings } from './settings.js';
import { commandWords, tokenCommandProblem } from './command-line.js';

export interface ResolveCredentialsOptions {
  env: Record<string, string | undefined>;
  /** Where the command runs (default: the process's working directory). */
  cwd?: string;
  /** How long the command may take (default 60 s: a password manager may wait for an unlock). */
  timeoutMs?: number;
  /** Whether the command has --sandbox, for the hint of the "no credentials" error (default: it has). */
  sandbox?: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * After the command exits, how long its output may take to end. Usually the output ends with it;
 * a process it left running in the background (an agent it started) may hold the pipe open for
 * good, and is neither waited for nor stopped: it is not ours to stop.
 */
const OUTPUT_GRACE_MS = 1000;
/** More output than any token: the command is not one that prints a token. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export async function resolveCredentials(settings: Settings, options: ResolveCredentialsOptions): Promise<Credentials> {
  const command = settings.authTokenCommand;
  const hint = { sandbox: options.sandbox ?? true };
  if (settings.authToken !== undefined || command === undefined) return requireCredentials(settings, hint);
  // The Auth ID is checked first: a missing or malformed one makes running the command pointless.
  requireCredentials({ ...settings, authToken: 'pending' }, hint);
  const where = describeOrigin(settings, 'authTokenCommand');
  // Checked when the file is read; settings made by hand (a library caller) are checked here.
  const problem = tokenCommandProblem(command);
  if (problem !== undefined) throw new ConfigError(`authTokenCommand (${where}) ${problem}.`, 'See .plivorc.example.');
  const token = await runTokenCommand(commandWords(command), where, options);
  return requireCredentials({ ...settings, authToken: token }, hint);
}

/**
 * Runs the command, stdin closed; its output is never shown (it may hold secrets). The token is
 * the first line of what it printed once it has exited: a complete first line is taken at once,
 * else what came before its output ended (or before OUTPUT_GRACE_MS after it exited).
 */
function runTokenCommand(argv: string[], where: string, options: ResolveCredentialsOptions): Promise<string> {
  const [program, ...args] = argv as [string, ...string[]];
  const name = basename(program);
  const fail = (what: string, hint: string) =>
    new ConfigError(`authTokenCommand '${name}' (${where}) ${what}. No auth token, nothing was sent.`, hint, ExitCode.auth);
  const seeWhy = `Run the command yourself to see why, or set authToken / PLIVO_AUTH_TOKEN instead.`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env, cwd: options.cwd, windowsHide: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let exited = false;
    let grace: NodeJS.Timeout | undefined;
    const output = () => Buffer.concat(chunks).toString('utf8');
    const settle = (error: ConfigError | undefined, token?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      // Not read any further: a background process still holding the pipes gets EPIPE, not us a wait.
      child.stdout.destroy();
      child.stderr.destroy();
      if (error === undefined) return resolve(token!);
      // Only the command itself, and only while it runs (after its exit its pid may be another's).
      if (!exited) child.kill('SIGKILL');
      reject(error);
    };
    const take = () => {
      const first = output().split(/\r?\n/, 1)[0]!.trim();
      if (first === '') settle(fail('printed no token (its first line of output is empty)', 'Make the command print the token on its first line.'));
      else settle(undefined, first);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES)
        return settle(fail(`printed more than ${MAX_OUTPUT_BYTES / 1024} KiB, which is not a token`, 'Make the command print only the token.'));
      chunks.push(chunk);
      if (exited && /\r?\n/.test(output())) take();
    });
    // Read and dropped: a full pipe would stall the command.
    child.stderr.resume();
    child.stdout.on('end', () => {
      if (exited) take();
    });
    const timer = setTimeout(
      () =>
        settle(
          fail(
            `did not finish within ${Math.round(timeoutMs / 1000)} s`,
            'Unlock the password manager first (the command cannot ask: its input is closed), then try again.',
          ),
        ),
      timeoutMs,
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        settle(fail('was not found', 'Install it, give its full path in authTokenCommand, or set authToken / PLIVO_AUTH_TOKEN instead.'));
      } else {
        settle(fail(`could not be started: ${describeSystemError(error)}`, seeWhy));
      }
    });
    // 'exit', not 'close': 'close' waits for every process holding the pipes, background ones too.
    child.on('exit', (code, signal) => {
      exited = true;
      if (signal !== null) return settle(fail(`was stopped by ${signal}`, seeWhy));
      if (code !== 0) return settle(fail(`failed (exit code ${code}); its output is not shown, as it may hold secrets`, seeWhy));
      if (child.stdout.readableEnded || /\r?\n/.test(output())) return take();
      grace = setTimeout(take, OUTPUT_GRACE_MS);
    });
  });
}
