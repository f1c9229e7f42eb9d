/** The status command's action: Plivo's record of each message, or --wait until final. */
import type { Context } from '../context.js';
import { WAIT_DEFAULT_SECONDS, type SendFlags } from './options.js';
import { Output } from '../output.js';
import { requireCredentials } from '../core/settings.js';
import { createClient, loadSettings } from './send.js';
import { FINAL_STATES, printState, waitForFinalStates } from './wait.js';
import { explainErrorCode } from '../transport/explain.js';
import type { MessageRecord } from '../transport/client.js';

export async function runStatus(ctx: Context, uuids: string[], flags: SendFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const settings = await loadSettings(ctx, flags, out);
  const client = await createClient(ctx, requireCredentials(settings), settings, out, flags.debug === true);
  try {
    if (flags.wait !== undefined) {
      return (await waitForFinalStates(client, uuids, out, typeof flags.wait === 'number' ? flags.wait : WAIT_DEFAULT_SECONDS)).exitCode;
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
