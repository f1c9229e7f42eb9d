import { Command } from 'commander';
import type { Context } from './context.js';
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
    .configureOutput(output)
    .exitOverride()
    .addHelpText(
      'after',
      `
Credentials: PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or authId / authToken in .plivorc.
Try it without an account:  plivo-send sms --sandbox --src 14155550100 --dst 14155550101 --text "Hello"`,
    );
  const makers = only !== undefined && Object.hasOwn(COMMANDS, only) ? [COMMANDS[only as keyof typeof COMMANDS]] : Object.values(COMMANDS);
  for (const make of makers) {
    const cmd = make(ctx, run);
    cmd.exitOverride().configureOutput(output);
    cmd.showSuggestionAfterError(true);
    program.addCommand(cmd);
  }
  return program;
}
