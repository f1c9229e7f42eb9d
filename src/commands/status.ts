import { Command } from 'commander';
import type { Context } from '../context.js';
import { addCommonOptions, parseTimeout, parseWait } from './options.js';
import type { SendFlags } from '../flows/flags.js';

export function makeStatusCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('status')
    .description("Show Plivo's record of one or more messages")
    .argument('<message_uuid...>', 'uuids printed by a send')
    .option('--wait [seconds]', 'poll until each message is final (delivered, undelivered, failed, read); default 60 s', parseWait)
    .option('--timeout <seconds>', 'seconds to wait for Plivo to answer (default 30, at most 600)', parseTimeout);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Every uuid is looked up and reported, in order. Exit codes: 0 all found (with --wait: all delivered
or read); 1 a uuid is malformed (nothing is requested) or not found, or with --wait a message failed
or was undelivered; 3 with --wait, some were not final in time.

Examples:
  $ plivo-send status 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002
  $ plivo-send status 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002 --wait 120 --json`,
  );
  return cmd.action((uuids: string[], flags: SendFlags) => run(async () => (await import('../flows/status.js')).runStatus(ctx, uuids, flags), flags));
}
