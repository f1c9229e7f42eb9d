/**
 * The error hierarchy. Each class carries its exit code (the README's table); `cli.ts` turns an
 * error into stderr output and `process.exitCode` in exactly one place.
 */
import { getSystemErrorMap } from 'node:util';
import type { Problem } from './core/problems.js';

export const ExitCode = {
  ok: 0,
  invalid: 1,
  auth: 2,
  network: 3,
  rateLimited: 4,
  refused: 5,
  batchIncomplete: 6,
  /** `--wait`: some message was still not final when the wait ended; its outcome is not known yet. */
  notFinal: 3,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The signals a command stops cleanly on: Ctrl-C, a closed terminal, `kill` / `timeout` / `docker stop`. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The exit code of a run stopped by `signal`: 128 + its number, as a shell reports a killed process. */
export function signalExitCode(signal: InterruptSignal): ExitCode {
  return signal === 'SIGTERM' ? ExitCode.terminated : signal === 'SIGHUP' ? ExitCode.hangup : ExitCode.interrupted;
}

/** `no space left on device (ENOSPC)`: what a failed system call means, with its code. */
export function describeSystemError(error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string') return error instanceof Error ? error.message : String(error);
  const meaning = typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  return meaning ? `${meaning} (${e.code})` : e.code;
}

export type { Problem } from './core/problems.js';

/** Marks a CliError made by either bundle (the entry dist/cli.cjs and dist/program.js each hold a copy of this class). */
const CLI_ERROR = Symbol.for('plivo-send.CliError');

export class CliError extends Error {
  /**
   * `instanceof CliError` also holds for one thrown by the other bundle's copy (a failed write to
   * stdout in the entry, seen by the program's error printer); subclasses check as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === CliError && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CLI_ERROR] === true;
  }

  readonly [CLI_ERROR] = true;
  readonly exitCode: ExitCode;
  /** Machine-readable code for `--json` error objects. */
  readonly code: string;
  /** What the user should do next; printed after the message. */
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Lines printed after the error, also with --json: what is left to do (how to resume a batch). */
  readonly after: readonly string[];

  constructor(
    message: string,
    options: { exitCode: ExitCode; code: string; hint?: string; details?: Record<string, unknown>; cause?: unknown; after?: readonly string[] },
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode;
    this.code = options.code;
    this.hint = options.hint;
    this.details = options.details;
    this.after = options.after ?? [];
  }
}

/** Bad flags or arguments (commander's own errors are mapped here too). */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalid, code: 'usage', hint });
  }
}

/** Input that breaks a rule of the Message API; nothing was sent. */
export class ValidationError extends CliError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('\n'), {
      exitCode: ExitCode.invalid,
      code: 'invalid_input',
      details: { problems },
    });
    this.problems = problems;
  }
}

/** Configuration that cannot be used (bad file, missing credentials). */
export class ConfigError extends CliError {
  constructor(message: string, hint?: string, exitCode: ExitCode = ExitCode.invalid) {
    super(message, { exitCode, code: exitCode === ExitCode.auth ? 'missing_credentials' : 'config', hint });
  }
}

/** Plivo answered 4xx (other than 401 and 429): it did not queue the message. */
export class ApiError extends CliError {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, message: string, body: unknown, hint?: string) {
    super(message, { exitCode: ExitCode.invalid, code: `http_${status}`, hint, details: { status, response: body } });
    this.status = status;
    this.body = body;
  }
}

export class AuthError extends CliError {
  constructor(message: string, hint?: string, after?: readonly string[]) {
    super(message, { exitCode: ExitCode.auth, code: 'auth', hint, after });
  }
}

export class RateLimitError extends CliError {
  constructor(message: string, hint?: string, after?: readonly string[]) {
    super(message, { exitCode: ExitCode.rateLimited, code: 'rate_limited', hint, after });
  }
}

/**
 * Network failure or 5xx. `outcome` says whether Plivo may have queued the message:
 * `failed` when the request never left (connection refused, DNS), `unknown` otherwise.
 */
export class NetworkError extends CliError {
  readonly outcome: 'failed' | 'unknown';
  constructor(message: string, outcome: 'failed' | 'unknown', hint?: string, details?: Record<string, unknown>) {
    super(message, { exitCode: ExitCode.network, code: outcome === 'unknown' ? 'outcome_unknown' : 'network', hint, details });
    this.outcome = outcome;
  }
}

export class RefusedError extends CliError {
  /** `code`: `confirmation_required`, or `max_cost` for a send above --max-cost. */
  constructor(message: string, hint?: string, code = 'confirmation_required') {
    super(message, { exitCode: ExitCode.refused, code, hint });
  }
}

/** Stopped by Ctrl-C, SIGTERM or SIGHUP: the exit code names the signal (130, 143, 129). */
export class InterruptedError extends CliError {
  constructor(message: string, hint?: string, signal: InterruptSignal = 'SIGINT') {
    super(message, { exitCode: signalExitCode(signal), code: 'interrupted', hint });
  }
}
