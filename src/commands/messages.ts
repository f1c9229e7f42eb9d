import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import { UsageError } from '../errors.js';

// Placeholder while the command is being built in this session.
export function makeMessagesCommand(_ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('messages')
    .description("List the message history from Plivo's message list")
    .action((flags: SendFlags) => run(() => Promise.reject(new UsageError('messages is not available yet.', 'Update plivo-send.')), flags));
}
