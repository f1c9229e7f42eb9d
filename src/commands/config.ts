import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import { UsageError } from '../errors.js';

// Placeholder while the command is being built in this session.
export function makeConfigCommand(_ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('config')
    .description("Set up and show plivo-send's configuration")
    .action((flags: SendFlags) => run(() => Promise.reject(new UsageError('config is not available yet.', 'Update plivo-send.')), flags));
}
