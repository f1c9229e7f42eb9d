import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { SegmentsFlags } from '../flows/segments.js';

export function makeSegmentsCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('segments')
    .description('Count GSM-7 / UCS-2 segments offline, as carriers bill them (no credentials needed)')
    .option('--text <text|->', 'the text to count, or - for stdin (default: stdin)')
    .option('--smart-encoding', 'count the text after look-alike replacement, when that makes it GSM-7')
    .option('--json', 'print the count as one JSON object')
    .addHelpText(
      'after',
      `
Text read from stdin loses a leading UTF-8 BOM and exactly one trailing newline, as with --text - on the send commands.

Examples:
  $ plivo-send segments --text "Price: 5€"
  $ plivo-send segments --json < message.txt
  $ plivo-send segments --text "“Quoted”" --smart-encoding`,
    )
    .action((flags: SegmentsFlags) => run(async () => (await import('../flows/segments.js')).runSegments(ctx, flags), flags));
}
