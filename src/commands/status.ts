import { Command } from 'commander';
import type { Context } from '../context.js';
import { addCommonOptions, type SendFlags } from './options.js';
import { Output } from '../output.js';
import { requireCredentials } from '../core/settings.js';
import { createClient, loadSettings } from './send.js';
import { FINAL_STATES, printState, waitForFinalStates } from './wait.js';
import { explainErrorCode } from '../transport/explain.js';
import type { MessageRecord } from '../transport/client.js';

export function makeStatusCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('status')
    .description("Show Plivo's record of one or more messages")
    .argument('<message_uuid...>', 'uuids printed by a send')
    .option('--wait [seconds]', 'poll until each message is final (delivered, undelivered, failed, read); default 60 s')
    .option('--timeout <seconds>', 'seconds to wait for Plivo to answer (default 30)', Number);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Exit codes with --wait: 0 all delivered (or read), 1 some failed or undelivered, 3 some not final in time.

Examples:
  $ plivo-send status 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002
  $ plivo-send status 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002 --wait 120 --json`,
  );
  return cmd.action((uuids: string[], flags: SendFlags) => run(() => runStatus(ctx, uuids, flags), flags));
}

async function runStatus(ctx: Context, uuids: string[], flags: SendFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const settings = await loadSettings(ctx, flags, out);
  const client = await createClient(ctx, requireCredentials(settings), settings, out, flags.debug === true);
  try {
    if (flags.wait !== undefined) {
      const seconds = typeof flags.wait === 'string' ? Number(flags.wait) : 60;
      return await waitForFinalStates(client, uuids, out, Number.isFinite(seconds) && seconds > 0 ? seconds : 60);
    }
    for (const uuid of uuids) {
      const record = await client.getMessage(uuid);
      if (out.json) out.jsonLine(record);
      else printRecord(out, record);
    }
    return 0;
  } finally {
    client.close();
  }
}

function printRecord(out: Output, record: MessageRecord): void {
  printState(out, record);
  const c = out.out;
  const rows: Array<[string, unknown]> = [
    ['Type', record.message_type],
    ['From', record.from_number],
    ['Time', record.message_time],
    ['Units', record.units],
    ['Amount', record.total_amount],
  ];
  if (record.error_code && record.error_code !== '000') rows.push(['Error', `${record.error_code} ${explainErrorCode(record.error_code) ?? record.error_message ?? ''}`]);
  if (!FINAL_STATES.has(record.message_state)) rows.push(['Next', `not final yet; add --wait to follow it`]);
  for (const [name, value] of rows) if (value !== undefined && value !== null && value !== '') out.line(`  ${c.dim(name.padEnd(7))}${String(value)}`);
}
