import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import { UsageError } from '../errors.js';

// Placeholder while the command is being built in this session.
export function makeReportCommand(_ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('report')
    .description('Summarise what a batch delivered and cost, from its results and delivery events')
    .action((flags: SendFlags) => run(() => Promise.reject(new UsageError('report is not available yet.', 'Update plivo-send.')), flags));
}
