/**
 * The credentials a command needs, with the auth token possibly from a password manager: the
 * `authTokenCommand` setting names a command (run without a shell) whose first line of output is
 * the token. It runs only here, so only when a command needs credentials and no token is set.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { ConfigError, ExitCode, describeSystemError } from '../errors.js';
import { describeOrigin, requireCredentials, type Credentials, type Settings } from './settings.js';

export interface ResolveCredentialsOptions {
  env: Record<string, string | undefined>;
  /** Where the command runs (default: the process's working directory). */
  cwd?: string;
  /** How long the command may take (default 60 s: a password manager may wait for an unlock). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** More output than any token: the command is not one that prints a token. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export async function resolveCredentials(settings: Settings, options: ResolveCredentialsOptions): Promise<Credentials> {
  const command = settings.authTokenCommand;
  if (settings.authToken !== undefined || command === undefined) return requireCredentials(settings);
  // The Auth ID is checked first: a missing or malformed one makes running the command pointless.
  requireCredentials({ ...settings, authToken: 'pending' });
  const argv = typeof command === 'string' ? splitCommand(command) : command;
  const where = describeOrigin(settings, 'authTokenCommand');
  if (argv.length === 0 || argv[0]!.trim() === '') {
    throw new ConfigError(
      `authTokenCommand (${where}) is empty.`,
      'Give it the command that prints the token, e.g. "pass show plivo/auth-token".',
      ExitCode.auth,
    );
  }
  const token = await runTokenCommand(argv, where, options);
  return requireCredentials({ ...settings, authToken: token });
}

/**
 * Splits a command line into words the way a shell would for plain words: at spaces, with '…' and
 * "…" grouping and \ escaping; nothing is expanded ($VAR, ~, globs) and there are no pipes.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word = (word ?? '') + ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word = (word ?? '') + line[++i]!;
      else word = (word ?? '') + ch;
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]!;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined)
    throw new ConfigError(
      `authTokenCommand has an unclosed ${quote} quote: ${line}`,
      'Close the quote, or give the command as a list: ["pass", "show", "plivo/auth-token"].',
      ExitCode.auth,
    );
  if (word !== undefined) words.push(word);
  return words;
}

/** Runs the command, stdin closed; its output is never shown (it may hold secrets). */
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
    const settle = (error: ConfigError | undefined, token?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) return resolve(token!);
      // Given up on: a child it started (`sleep` under a script) may still hold the pipes open.
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      reject(error);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES)
        settle(fail(`printed more than ${MAX_OUTPUT_BYTES / 1024} KiB, which is not a token`, 'Make the command print only the token.'));
      else chunks.push(chunk);
    });
    // Read and dropped: a full pipe would stall the command.
    child.stderr.resume();
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
    child.on('close', (code, signal) => {
      if (signal !== null) return settle(fail(`was stopped by ${signal}`, seeWhy));
      if (code !== 0) return settle(fail(`failed (exit code ${code}); its output is not shown, as it may hold secrets`, seeWhy));
      const first = Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0]!.trim();
      if (first === '') return settle(fail('printed no token (its first line of output is empty)', 'Make the command print the token on its first line.'));
      settle(undefined, first);
    });
  });
}
