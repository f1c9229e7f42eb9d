import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { SegmentsFlags } from '../flows/segments.js';

/** The flags below, as src/cli.ts reads them without commander (start-up time); a test keeps the two in step. */
export function makeSegmentsCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('segments')
    .description('Count GSM-7 / UCS-2 segments offline, as carriers bill them (no credentials needed)')
    .option('--text <text|->', 'the text to count, or - for stdin (default: stdin)')
    .option('--file <path>', 'read the text from a file instead (with --lines: the texts, one a line)')
    .option('--lines', 'count every line of stdin (or --file) as a text of its own, one result a line')
    .option('--smart-encoding', 'count the text after look-alike replacement, when that makes it GSM-7')
    .option('--json', 'print the count as one JSON object (with --lines: one a line, JSON Lines)')
    .addHelpText(
      'after',
      `
Text read from stdin or --file loses a leading UTF-8 BOM and exactly one trailing newline, as with --text - on the send commands.
With --lines, every line is a text (a CR before the newline is dropped; an empty line counts 0 segments), printed as it is read.

Examples:
  $ plivo-send segments --text "Price: 5€"
  $ plivo-send segments --json < message.txt
  $ plivo-send segments --text "“Quoted”" --smart-encoding
  $ printf 'Hello\\nPrice: 5€\\n“Quoted” 👍\\n' | plivo-send segments --lines`,
    )
    .action((flags: SegmentsFlags) => run(async () => (await import('../flows/segments.js')).runSegments(ctx, flags), flags));
}
