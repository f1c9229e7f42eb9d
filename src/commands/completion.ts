import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import { UsageError } from '../errors.js';

// Placeholder while the command is being built in this session.
export function makeCompletionCommand(_ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .action((flags: SendFlags) => run(() => Promise.reject(new UsageError('completion is not available yet.', 'Update plivo-send.')), flags));
}
