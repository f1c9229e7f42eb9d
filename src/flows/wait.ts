/** `--wait`: poll message records until each reaches a final state. */
import type { PlivoClient, MessageRecord } from '../transport/client.js';
import type { Output } from '../output.js';
import { ExitCode } from '../errors.js';
import { explainErrorCode } from '../transport/explain.js';

export const FINAL_STATES = new Set(['delivered', 'undelivered', 'failed', 'read', 'received']);
const SUCCESS_STATES = new Set(['delivered', 'read', 'received']);

/**
 * Exit code: 0 when every message was delivered (or read), 1 when any failed or was undelivered,
 * ExitCode.notFinal (3) when some were still not final after `seconds`.
 */
export async function waitForFinalStates(
  client: PlivoClient,
  uuids: string[],
  out: Output,
  seconds: number,
  { print = true, intervalMs = 1000 }: { print?: boolean; intervalMs?: number } = {},
): Promise<{ exitCode: number; records: MessageRecord[] }> {
  const deadline = Date.now() + seconds * 1000;
  const pending = new Set(uuids);
  const finals = new Map<string, MessageRecord>();
  let delay = Math.min(intervalMs, 250);
  while (pending.size > 0 && Date.now() < deadline) {
    for (const uuid of [...pending]) {
      const record = await client.getMessage(uuid);
      if (FINAL_STATES.has(record.message_state)) {
        pending.delete(uuid);
        finals.set(uuid, record);
        if (print) printState(out, record);
      }
    }
    if (pending.size === 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, intervalMs * 5);
  }
  for (const uuid of pending) {
    out.warn(`${uuid} is not final after ${seconds} s; check later with: plivo-send status ${uuid}`);
  }
  const records = uuids.flatMap((uuid) => finals.get(uuid) ?? []);
  if (pending.size > 0) return { exitCode: ExitCode.notFinal, records };
  return { exitCode: records.every((r) => SUCCESS_STATES.has(r.message_state)) ? ExitCode.ok : ExitCode.invalid, records };
}

export function printState(out: Output, record: MessageRecord): void {
  if (out.json) return out.jsonLine(record);
  const c = out.out;
  const ok = SUCCESS_STATES.has(record.message_state);
  const mark = ok ? c.green('✓') : FINAL_STATES.has(record.message_state) ? c.red('✗') : c.yellow('…');
  const code =
    record.error_code && record.error_code !== '000'
      ? ` · error ${record.error_code}: ${explainErrorCode(record.error_code) ?? record.error_message ?? 'unknown code'}`
      : '';
  out.line(`${mark} ${record.message_uuid} ${c.bold(record.message_state)} · to ${record.to_number}${code}`);
}
