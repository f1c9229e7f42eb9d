import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { ReportFlags } from '../flows/report.js';
import { addCommonOptions, collect, parseTimeout } from './options.js';

export function makeReportCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('report')
    .description('Summarise what a batch delivered and cost, from its results and delivery events')
    .option('--results <path>', 'the results a batch send wrote with --results (JSON Lines, or CSV for .csv)')
    .option('--events <path>', 'delivery events written by plivo-send listen --out (JSON Lines); repeatable', collect)
    .option('--fetch', 'look up in Plivo the messages that have no final state yet (needs credentials)')
    .option('--out <path>', 'write the results again with state, error_code and amount per row (CSV for .csv)')
    .option('--timeout <seconds>', 'seconds to wait for Plivo to answer (default 30, at most 600)', parseTimeout);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Each message's state is its last status event (the highest Sequence), or with --fetch its record
in Plivo. Pending messages have no final state yet (queued, sent, or unknown: nothing heard).
Charged is the sum of Plivo's TotalAmount of the messages whose amount is known. An events line
that cannot be read is skipped with a warning naming it. --json prints the summary as one object.
Exit codes: 0 the report was made; 1 a file is missing or is not what its flag expects; 2 --fetch
without valid credentials; 3 or 4 some lookups failed (the report counts them as pending).

Examples:
  $ plivo-send sms --csv recipients.csv --text 'Hi {{name}}' --src 14155550100 --results results.jsonl --yes
  $ plivo-send report --results results.jsonl --fetch
  $ plivo-send report --results results.jsonl --fetch --json --out report.csv`,
  );
  return cmd.action((flags: ReportFlags) =>
    run(async () => (await import('../flows/report.js')).runReport(ctx, flags), { json: flags.json, debug: flags.debug }),
  );
}
