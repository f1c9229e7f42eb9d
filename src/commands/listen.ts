import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import { UsageError } from '../errors.js';

// Placeholder while the command is being built in this session.
export function makeListenCommand(_ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('listen')
    .description("Receive Plivo's message status callbacks and inbound messages, verifying their signatures")
    .action((flags: SendFlags) => run(() => Promise.reject(new UsageError('listen is not available yet.', 'Update plivo-send.')), flags));
}
