/** The program's command tree (commander), and running a command line through it. */
import { Command, CommanderError } from 'commander';
import type { Context } from './context.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { Output, prepareColors } from './output.js';
import { capitalize } from './core/format.js';
import type { SendFlags } from './flows/flags.js';
import { makeSmsCommand } from './commands/sms.js';
import { makeMmsCommand } from './commands/mms.js';
import { makeWhatsappCommand } from './commands/whatsapp.js';
import { makeSegmentsCommand } from './commands/segments.js';
import { makeStatusCommand } from './commands/status.js';
import { makeSandboxCommand } from './commands/sandbox.js';
import { makeListenCommand } from './commands/listen.js';
import { makeMessagesCommand } from './commands/messages.js';
import { makeReportCommand } from './commands/report.js';
import { makeConfigCommand } from './commands/config.js';
import { makeCompletionCommand } from './commands/completion.js';

export interface RunState {
  exitCode: number;
  json: boolean;
  debug: boolean;
}

/** Runs `argv` (without the program's name) and returns the exit code; every error is printed here. */
export async function runProgram(argv: string[], ctx: Context): Promise<number> {
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

const COMMANDS = {
  sms: makeSmsCommand,
  mms: makeMmsCommand,
  whatsapp: makeWhatsappCommand,
  segments: makeSegmentsCommand,
  status: makeStatusCommand,
  sandbox: makeSandboxCommand,
  listen: makeListenCommand,
  messages: makeMessagesCommand,
  report: makeReportCommand,
  config: makeConfigCommand,
  completion: makeCompletionCommand,
};

/**
 * `only` names the subcommand on the command line: just that one is built (start-up time in
 * shell loops); otherwise all are, for top-level help and suggestions.
 */
export function makeProgram(ctx: Context, state: RunState, only?: string): Command {
  const run = async (action: () => Promise<number>, flags: SendFlags): Promise<void> => {
    state.json = flags.json === true;
    state.debug = flags.debug === true;
    state.exitCode = await action();
  };
  const output = {
    writeOut: (s: string) => void ctx.io.stdout.write(s),
    writeErr: (s: string) => void ctx.io.stderr.write(s),
    getOutHelpWidth: () => Math.min(ctx.io.stdout.columns ?? 100, 100),
    getErrHelpWidth: () => Math.min(ctx.io.stderr.columns ?? 100, 100),
    getOutHasColors: () => false,
    getErrHasColors: () => false,
    // Errors are printed once, by cli.ts, in the same form as every other error.
    outputError: () => undefined,
  };
  const program = new Command('plivo-send')
    .description("Send SMS, MMS and WhatsApp messages through Plivo's Message API")
    .version(ctx.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    // -V belongs before the command name: after it, `sms --text -V` is the command's own business
    // (refused as a value below) rather than a version print.
    .enablePositionalOptions()
    .configureOutput(output)
    .exitOverride()
    .addHelpText(
      'after',
      `
Credentials: plivo-send config init saves them; or PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or authId / authToken in .plivorc.

Examples:
  $ plivo-send sms --sandbox --src 14155550100 --dst 14155550101 --text "Hello"   # no account needed
  $ plivo-send segments --text "Price: 5€"`,
    );
  // completion describes the whole tree, so it never gets a one-command program.
  const makers =
    only !== undefined && only !== 'completion' && Object.hasOwn(COMMANDS, only) ? [COMMANDS[only as keyof typeof COMMANDS]] : Object.values(COMMANDS);
  for (const make of makers) {
    const cmd = make(ctx, run);
    cmd.exitOverride().configureOutput(output);
    cmd.showSuggestionAfterError(true);
    const parseOptions = cmd.parseOptions.bind(cmd);
    cmd.parseOptions = (args) => parseOptions(refuseFlagsAsValues(cmd, args));
    program.addCommand(cmd);
  }
  return program;
}

/**
 * Commander gives an option that takes a value whatever argument comes next, so `--text --dry-run`
 * would send the text "--dry-run" for real. A value that is one of the command's own flags, `--`,
 * or any `--word` is refused; other values starting with a dash (`-5% today`, `-` for stdin,
 * `--- sale ---`) are values.
 * `--text=--dry-run` still sends that text on purpose.
 */
function refuseFlagsAsValues(cmd: Command, args: string[]): string[] {
  refuseUndecodable(args);
  const flags = flagsOf(cmd);
  // Any `--word` counts, known or not: `--text --dryrun` (a typo) must not send "--dryrun" either.
  const isFlag = (arg: string) => flags.has(arg) || /^--[A-Za-z]/.test(arg);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const option = cmd.options.find((o) => o.required && (o.long === arg || o.short === arg));
    if (!option) continue;
    const value = args[++i];
    if (value !== undefined && isFlag(value)) {
      const name = option.long ?? arg;
      const what = flags.has(value.split('=')[0]!) ? `a flag of plivo-send ${cmd.name()}` : 'written like a flag';
      throw new UsageError(
        `${name} is missing its value: the next argument, '${value}', is ${what}, not a value.`,
        `Give ${name} its value; to pass one that starts with dashes, join it with "=": ${name}=${value}`,
      );
    }
  }
  return args;
}

/** Every flag the command line of `cmd` knows: its own, its parents' (-V) and the help flags. */
function flagsOf(cmd: Command): Set<string> {
  const flags = new Set(['--', '-h', '--help']);
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const option of c.options) {
      if (option.short) flags.add(option.short);
      if (option.long) flags.add(option.long);
    }
  }
  return flags;
}

/**
 * Node turns argument bytes that are not UTF-8 (a Latin-1 terminal, `$(cat latin1.txt)`) into
 * U+FFFD before any code sees them: such an argument would be sent, and billed as UCS-2, with "�".
 */
function refuseUndecodable(args: string[]): void {
  const i = args.findIndex((arg) => arg.includes('\uFFFD'));
  if (i < 0) return;
  const after = i > 0 && args[i - 1]!.startsWith('-') ? ` after ${args[i - 1]}` : '';
  throw new UsageError(
    `The argument${after} is not valid UTF-8: '${args[i]}' (each \uFFFD marks bytes that are not UTF-8). Nothing was sent.`,
    'Convert the text to UTF-8 (e.g. iconv -f latin1 -t utf-8), or pass it on stdin with --text - (a CSV with --encoding).',
  );
}
