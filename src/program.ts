import { Command } from 'commander';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import type { SendFlags } from './commands/options.js';
import { makeSmsCommand } from './commands/sms.js';
import { makeMmsCommand } from './commands/mms.js';
import { makeWhatsappCommand } from './commands/whatsapp.js';
import { makeSegmentsCommand } from './commands/segments.js';
import { makeStatusCommand } from './commands/status.js';
import { makeSandboxCommand } from './commands/sandbox.js';

export interface RunState {
  exitCode: number;
  json: boolean;
  debug: boolean;
}

const COMMANDS = {
  sms: makeSmsCommand,
  mms: makeMmsCommand,
  whatsapp: makeWhatsappCommand,
  segments: makeSegmentsCommand,
  status: makeStatusCommand,
  sandbox: makeSandboxCommand,
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
Credentials: PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or authId / authToken in .plivorc.

Examples:
  $ plivo-send sms --sandbox --src 14155550100 --dst 14155550101 --text "Hello"   # no account needed
  $ plivo-send segments --text "Price: 5€"`,
    );
  const makers = only !== undefined && Object.hasOwn(COMMANDS, only) ? [COMMANDS[only as keyof typeof COMMANDS]] : Object.values(COMMANDS);
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
 * would send the text "--dry-run" for real. A value that is one of the command's own flags (or
 * `--`) is refused; any other value starting with a dash (`-5% today`, `-` for stdin) is a value.
 * `--text=--dry-run` still sends that text on purpose.
 */
export function refuseFlagsAsValues(cmd: Command, args: string[]): string[] {
  const flags = flagsOf(cmd);
  const isFlag = (arg: string) => flags.has(arg) || (arg.startsWith('--') && flags.has(arg.split('=')[0]!));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const option = cmd.options.find((o) => o.required && (o.long === arg || o.short === arg));
    if (!option) continue;
    const value = args[++i];
    if (value !== undefined && isFlag(value)) {
      const name = option.long ?? arg;
      throw new UsageError(
        `${name} is missing its value: the next argument, '${value}', is a flag of plivo-send ${cmd.name()}, not a value.`,
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
