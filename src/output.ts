/** Everything the CLI prints: human lines (coloured only on a TTY without NO_COLOR) or JSON. */
import type * as ChalkModule from 'chalk';
import type { Io, OutStream } from './io.js';
import { CliError, ExitCode, ValidationError } from './errors.js';

/** The styles the CLI uses; chalk's instance fits, and so does the plain one. */
export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const same = (text: string) => text;
const PLAIN: Styles = { bold: same, dim: same, red: same, green: same, yellow: same };

let chalk: typeof ChalkModule | undefined;

function wantsColor(stream: OutStream, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** Loads chalk when a terminal will show colour; scripts and pipes never pay for it. */
export async function prepareColors(io: Io): Promise<void> {
  if (!chalk && (wantsColor(io.stdout, io.env) || wantsColor(io.stderr, io.env))) chalk = await import('chalk');
}

function colorsFor(stream: OutStream, env: Record<string, string | undefined>): Styles {
  return chalk && wantsColor(stream, env) ? new chalk.Chalk({ level: 1 }) : PLAIN;
}

export class Output {
  readonly io: Io;
  readonly json: boolean;
  readonly out: Styles;
  readonly err: Styles;

  constructor(io: Io, json: boolean) {
    this.io = io;
    this.json = json;
    this.out = colorsFor(io.stdout, io.env);
    this.err = colorsFor(io.stderr, io.env);
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  jsonLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A notice on stderr: never mixes with JSON on stdout. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    if (this.json) return void this.io.stderr.write(`${JSON.stringify({ warning: text })}\n`);
    this.io.stderr.write(`${this.err.yellow('!')} ${text}\n`);
  }

  error(error: unknown, debug: boolean): void {
    const io = this.io;
    if (error instanceof CliError) {
      this.cliError(error, debug);
      for (const line of error.after) this.note(line);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (this.json) {
      io.stderr.write(`${JSON.stringify({ error: { code: 'internal', message, exit_code: ExitCode.invalid } })}\n`);
    } else {
      io.stderr.write(`${this.err.red('✗')} Internal error: ${message}\n`);
      io.stderr.write(debug && error instanceof Error ? `${error.stack}\n` : '  This is a bug in plivo-send; run again with --debug for the stack trace.\n');
    }
  }

  private cliError(error: CliError, debug: boolean): void {
    const io = this.io;
    if (this.json) {
      const body: Record<string, unknown> = { code: error.code, message: error.message, exit_code: error.exitCode };
      if (error.hint) body.hint = error.hint;
      if (error.details) Object.assign(body, error.details);
      io.stderr.write(`${JSON.stringify({ error: body })}\n`);
      return;
    }
    if (error instanceof ValidationError) {
      io.stderr.write(`${this.err.red('✗')} Invalid input, nothing was sent:\n`);
      for (const p of error.problems) io.stderr.write(`  ${this.err.bold(p.field)}: ${p.message}\n`);
    } else {
      io.stderr.write(`${this.err.red('✗')} ${error.message}\n`);
    }
    if (error.hint) io.stderr.write(`  ${error.hint}\n`);
    if (debug && error.cause) io.stderr.write(`${describeCause(error.cause)}\n`);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? String(cause);
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}
