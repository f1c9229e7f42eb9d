/**
 * The send flow shared by sms, mms and whatsapp: settings → message → (dry run | send) → output.
 * Each command's action gathers its own content options and calls `runSend`.
 */
import type { Context } from '../context.js';
import { WAIT_DEFAULT_SECONDS, flagConflict, type SendFlags } from './flags.js';
import { Output } from '../output.js';
import { readTextOption } from '../input.js';
import { ExitCode, InterruptedError, UsageError, ValidationError } from '../errors.js';
import type { InterruptSignal } from '../io.js';
import { buildMessage, type BuiltMessage, type MessageType } from '../core/message.js';
import { describeUnits, plural, formatCount } from '../core/format.js';
import type { Credentials } from '../config/settings.js';
import { buildSendRequest } from '../core/request.js';
import type { PlivoResponse } from '../transport/client.js';
import { sendChecked } from '../transport/recover.js';
import { createClient, loadSettings, messageOptions, startLocalSandbox, type ContentOptions } from './session.js';
import { waitForFinalStates } from './wait.js';
import { checkCost, loadNumberSettings, maxCostOf } from './money.js';
import { addUsage, type CountryUsage } from '../core/cost.js';
import { resolveCredentials } from '../config/credentials.js';

export async function runSend(ctx: Context, type: MessageType, flags: SendFlags, content: ContentOptions): Promise<number> {
  const conflict = flagConflict(flags);
  if (conflict) throw new UsageError(conflict.message, conflict.hint);
  const out = new Output(ctx.io, flags.json === true);
  if (flags.csv !== undefined) {
    const { runBatch } = await import('./batch.js');
    return runBatch(ctx, type, flags, content, out);
  }
  const text = await readTextOption(flags.text, ctx.io);
  const settings = await loadSettings(ctx, flags, out);
  const maxCost = maxCostOf(flags, settings);
  const numbers = await loadNumberSettings(ctx, settings);
  const built = buildMessage(messageOptions(type, settings, flags, text, content, numbers.rules));
  if (!built.ok) throw new ValidationError(built.problems);
  const message = built.message;
  if (message.replaced.length > 0 && !out.json) {
    out.note(`Replaced look-alike characters so the text is GSM-7: ${message.replaced.map((r) => `${r.from} → ${r.to || '(removed)'}`).join(', ')}`);
  }

  if (flags.dryRun) {
    printDryRun(out, buildSendRequest(settings.apiUrl, settings.authId, message.body), message);
    // A single dry run makes no request at all, not even for prices.
    if (maxCost !== undefined && !out.json)
      out.note(out.err.dim('--max-cost is checked when the message is sent: a dry run of one message asks Plivo nothing.'));
    return ExitCode.ok;
  }

  const sandbox = flags.sandbox ? await startLocalSandbox(out) : undefined;
  try {
    const credentials: Credentials = sandbox ? sandbox.credentials : await resolveCredentials(settings, { env: ctx.io.env, cwd: ctx.io.cwd });
    const client = await createClient(ctx, credentials, settings, out, flags.debug === true);
    try {
      if (maxCost !== undefined) {
        const usage = new Map<string, CountryUsage>();
        addUsage(usage, message.countries, message.body.type === 'sms' ? (message.count?.segments ?? 0) : 1);
        await checkCost(ctx, out, client, type, usage, maxCost);
      }
      const to = message.destinations.join(', ');
      const { response, recovered } = await stopOnSignal(
        ctx,
        sendChecked(client, message, settings.src, {
          settleMs: settings.settle === undefined ? undefined : settings.settle * 1000,
          note: (line) => out.note(line),
        }),
        (signal) =>
          new InterruptedError(
            `Stopped by ${signal} while the request to ${to} was out: Plivo may or may not have queued the message.`,
            `Check Plivo's message logs for ${to} (or plivo-send status with its uuid) before sending it again.`,
            signal,
          ),
      );
      if (flags.wait === undefined && !sandbox) {
        printSent(out, response, message, recovered);
        return ExitCode.ok;
      }
      // --wait (and --sandbox): follow each message to a final state. With --json the answer and
      // the final records make one object, so stdout stays one JSON value.
      if (!out.json) printSent(out, response, message, recovered);
      const seconds = typeof flags.wait === 'number' ? flags.wait : sandbox && flags.wait === undefined ? 10 : WAIT_DEFAULT_SECONDS;
      const uuids = response.message_uuid ?? [];
      const waited = await stopOnSignal(
        ctx,
        waitForFinalStates(client, uuids, out, seconds, { print: !out.json }),
        (signal) =>
          new InterruptedError(
            `Stopped by ${signal} while waiting: the message was queued (${uuids.join(', ')}).`,
            `Follow it with: plivo-send status ${uuids.join(' ')} --wait`,
            signal,
          ),
      );
      if (out.json) printSent(out, { ...response, messages: waited.records }, message, recovered);
      return waited.exitCode;
    } finally {
      client.close();
    }
  } finally {
    await sandbox?.close();
  }
}

/**
 * A single send has no journal to settle: a signal (Ctrl-C, SIGTERM, SIGHUP) ends it at once with
 * the signal's exit code, saying what the interrupted step may have done.
 */
async function stopOnSignal<T>(ctx: Context, work: Promise<T>, stopped: (signal: InterruptSignal) => InterruptedError): Promise<T> {
  let unregister: (() => void) | undefined;
  const signalled = new Promise<never>((_, reject) => {
    unregister = ctx.io.onInterrupt?.((signal) => reject(stopped(signal)));
  });
  try {
    return await Promise.race([work, signalled]);
  } finally {
    unregister?.();
  }
}

function printDryRun(out: Output, request: ReturnType<typeof buildSendRequest>, message: BuiltMessage): void {
  if (out.json) return out.jsonLine(request);
  const c = out.out;
  out.line(c.dim('Dry run: nothing was sent.'));
  out.line(`${c.bold(request.method)} ${request.url}`);
  out.line(JSON.stringify(request.body, null, 2));
  out.line(describeUnits(message));
}

/** How many uuids a terminal shows after a send to many numbers; a pipe gets them all. */
const UUIDS_ON_TERMINAL = 5;

function printSent(out: Output, response: PlivoResponse, message: BuiltMessage, recovered: boolean): void {
  if (out.json) out.jsonLine(response);
  else printQueued(out, response, message);
  if (recovered) out.warn("The answer to the request was lost, but Plivo's message list shows the message queued; it was not sent again.");
  if (response.invalid_number && response.invalid_number.length > 0) {
    out.warn(`Plivo did not send to ${plural(response.invalid_number.length, 'invalid number')}: ${response.invalid_number.join(', ')}`);
  }
}

/** One line for one destination; for several, a summary line and then one uuid per line. */
function printQueued(out: Output, response: PlivoResponse, message: BuiltMessage): void {
  const uuids = response.message_uuid ?? [];
  const c = out.out;
  if (uuids.length === 1) {
    const to = message.destinations.filter((d) => !response.invalid_number?.includes(d))[0] ?? message.destinations[0];
    return out.line(`${c.green('✓')} Queued to ${to} · ${describeUnits(message)} · ${uuids[0]}`);
  }
  out.line(`${c.green('✓')} Queued to ${plural(uuids.length, 'number')} · ${describeUnits(message)}`);
  const shown = out.io.stdout.isTTY === true && uuids.length > UUIDS_ON_TERMINAL + 1 ? uuids.slice(0, UUIDS_ON_TERMINAL) : uuids;
  for (const uuid of shown) out.line(`  ${uuid}`);
  if (shown.length < uuids.length) out.line(c.dim(`  … and ${formatCount(uuids.length - shown.length)} more (--json for all)`));
}
