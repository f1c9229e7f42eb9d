/** The status command's action: Plivo's record of each message, or --wait until final. */
import type { Context } from '../context.js';
import { WAIT_DEFAULT_SECONDS, type SendFlags } from './flags.js';
import { Output } from '../output.js';
import { accountClient, loadSettings } from './session.js';
import { FINAL_STATES, printState, waitForFinalStates } from './wait.js';
import { explainErrorCode } from '../transport/explain.js';
import type { MessageRecord, PlivoClient } from '../transport/client.js';
import { ApiError, AuthError, CliError, ExitCode, ValidationError } from '../errors.js';

/** Plivo's message uuids are RFC 4122 UUIDs, e.g. 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every uuid is looked up and reported (found, not found, or the error); the exit code is the
 * highest of the failures' codes (1 when one was not found), 0 when all were found.
 */
export async function runStatus(ctx: Context, given: string[], flags: SendFlags): Promise<number> {
  checkUuids(given);
  // RFC 4122: uuids are read in any case and written in lower case, as Plivo issues them.
  const uuids = given.map((uuid) => uuid.toLowerCase());
  const out = new Output(ctx.io, flags.json === true);
  const settings = await loadSettings(ctx, flags, out);
  const client = await accountClient(ctx, settings, out, flags.debug === true);
  try {
    let exitCode: number = ExitCode.ok;
    const found: string[] = [];
    for (const uuid of uuids) {
      const record = await lookUp(client, uuid);
      if (record instanceof CliError) {
        out.error(record, flags.debug === true);
        exitCode = Math.max(exitCode, record.exitCode);
        continue;
      }
      found.push(uuid);
      if (flags.wait !== undefined) continue;
      if (out.json) out.jsonLine(record);
      else printRecord(out, record);
    }
    if (flags.wait !== undefined && found.length > 0) {
      const seconds = typeof flags.wait === 'number' ? flags.wait : WAIT_DEFAULT_SECONDS;
      exitCode = Math.max(exitCode, (await waitForFinalStates(client, found, out, seconds)).exitCode);
    }
    return exitCode;
  } finally {
    client.close();
  }
}

/** All malformed uuids at once, before any request: a typo must not cost a round trip per uuid. */
function checkUuids(uuids: string[]): void {
  const problems = uuids
    .filter((uuid) => !UUID_SHAPE.test(uuid))
    .map((uuid) => ({ field: 'message_uuid', message: `'${uuid}' is not a message uuid: Plivo's look like 3a1f1c0e-6b1d-11ef-8a3b-0242ac110002` }));
  if (problems.length > 0) throw new ValidationError(problems);
}

/** The record, or the error that names the uuid; bad credentials stop everything (every lookup would fail). */
async function lookUp(client: PlivoClient, uuid: string): Promise<MessageRecord | CliError> {
  try {
    return await client.getMessage(uuid);
  } catch (error) {
    if (error instanceof AuthError || !(error instanceof CliError)) throw error;
    if (error instanceof ApiError && error.status === 404) {
      return new CliError(`${uuid}: not found (404): Plivo has no message with this uuid on this account; check the uuid and the credentials.`, {
        exitCode: ExitCode.invalid,
        code: 'not_found',
        details: { message_uuid: uuid, status: 404 },
      });
    }
    return new CliError(`${uuid}: ${error.message}`, {
      exitCode: error.exitCode,
      code: error.code,
      hint: error.hint,
      details: { ...error.details, message_uuid: uuid },
      cause: error,
    });
  }
}

// Record fields are Plivo's scalars; anything else is shown as JSON rather than "[object Object]".
function describeField(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
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
  if (record.error_code && record.error_code !== '000')
    rows.push(['Error', `${record.error_code} ${explainErrorCode(record.error_code) ?? record.error_message ?? ''}`]);
  if (!FINAL_STATES.has(record.message_state)) rows.push(['Next', `not final yet; add --wait to follow it`]);
  for (const [name, value] of rows) if (value !== undefined && value !== null && value !== '') out.line(`  ${c.dim(name.padEnd(7))}${describeField(value)}`);
}
