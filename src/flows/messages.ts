/** The messages command's action: the message history from Plivo's message list, every page of it. */
import type { Context } from '../context.js';
import type { SendFlags } from './flags.js';
import { Output } from '../output.js';
import { accountClient, loadSettings } from './session.js';
import { buildHistoryQuery, type HistoryFlags } from '../history/filters.js';
import { PAGE_SIZE, readMessageList, type ListState } from '../history/list.js';
import { csvHeader, csvLine, localTime, tableHeader, tableLine } from '../history/format.js';
import { startSpinner } from '../history/progress.js';
import { formatDuration } from '../batch/plan.js';
import { recordTime } from '../transport/evidence.js';
import { describeDeliveryError, isErrorCode } from '../core/delivery-errors.js';
import { plural, formatCount } from '../core/format.js';
import { CliError, ExitCode, InterruptedError, UsageError, type InterruptSignal } from '../errors.js';

export interface MessagesFlags extends HistoryFlags, Pick<SendFlags, 'json' | 'debug' | 'profile' | 'config' | 'timeout'> {
  limit?: number;
  csv?: boolean;
}

/** A read slower than this gets an estimate before it starts. */
const SLOW_MS = 15_000;

export async function runMessages(ctx: Context, flags: MessagesFlags): Promise<number> {
  if (flags.json && flags.csv) throw new UsageError('--json and --csv are two output formats; give one of them.', 'Use --json for JSON Lines, --csv for CSV.');
  const built = buildHistoryQuery(flags, Date.now());
  if ('problems' in built) {
    throw new CliError(`Invalid filter, nothing was requested:\n${built.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`, {
      exitCode: ExitCode.invalid,
      code: 'invalid_input',
      hint: 'See plivo-send messages --help.',
      details: { problems: built.problems },
    });
  }
  const { filters, since, until } = built.query;
  const out = new Output(ctx.io, flags.json === true);
  const settings = await loadSettings(ctx, { profile: flags.profile, config: flags.config, timeout: flags.timeout }, out);
  const client = await accountClient(ctx, settings, out, flags.debug === true);
  const controller = new AbortController();
  let stoppedBy: InterruptSignal | undefined;
  const unregister = ctx.io.onInterrupt?.((signal) => {
    stoppedBy ??= signal;
    controller.abort();
  });
  const state: ListState = { pages: 0, records: 0, total: undefined, expected: undefined, remainingMs: undefined };
  const spinner = await startSpinner(out, "Reading Plivo's message list…");
  const errorCodes = new Map<string, string>();
  let lastTime: unknown;
  let warned = false;
  /** A UTC offset other than +00:00 that Plivo's records carry, if any (see the note after the list). */
  let otherOffset: string | undefined;
  const table = !flags.json && !flags.csv;
  if (flags.csv) ctx.io.stdout.write(csvHeader());
  try {
    const pages = readMessageList(client, filters, state, {
      limit: flags.limit,
      signal: controller.signal,
      onPage: (s) => {
        const pagesInAll = Math.max(s.pages, Math.ceil((s.expected ?? s.records) / PAGE_SIZE));
        if (!warned && s.remainingMs !== undefined && s.remainingMs > SLOW_MS) {
          warned = true;
          spinner.stop();
          const text = `${plural(s.expected ?? 0, 'message')} to read in ${plural(pagesInAll, 'page')}: Plivo allows 20 list requests a minute, so this takes about ${formatDuration(s.remainingMs / 1000)}. Narrow it with --since, or cap it with --limit.`;
          if (out.json) out.note(JSON.stringify({ notice: text }));
          else out.note(text);
        }
        const eta = s.remainingMs !== undefined && s.remainingMs > 1000 ? ` · about ${formatDuration(s.remainingMs / 1000)} left` : '';
        spinner.set(`Reading Plivo's message list: ${formatCount(s.records)}/${formatCount(s.expected ?? s.records)} messages${eta}`);
      },
    });
    for await (const records of pages) {
      spinner.stop();
      if (state.pages === 1 && table) ctx.io.stdout.write(`${tableHeader()}\n`);
      let chunk = '';
      for (const record of records) {
        if (flags.json) chunk += `${JSON.stringify(record)}\n`;
        else if (flags.csv) chunk += csvLine(record);
        else chunk += `${tableLine(record)}\n`;
        if (isErrorCode(record.error_code)) errorCodes.set(record.error_code, describeDeliveryError(record.error_code) ?? record.error_message ?? '');
        lastTime = record.message_time;
        otherOffset ??= nonUtcOffset(record.message_time);
      }
      ctx.io.stdout.write(chunk);
    }
  } catch (error) {
    spinner.stop();
    // A Ctrl-C during the wait for the list's pace ends the request with an error of its own.
    if (stoppedBy === undefined) throw incomplete(error, state, lastTime);
  } finally {
    spinner.stop();
    unregister?.();
    client.close();
  }
  if (otherOffset !== undefined) {
    // Plivo does not document the time zone of the list's time filters; they are sent as UTC.
    const text = `Plivo's records carry times at ${otherOffset}, and the time window (--since/--until, by default the last 24 hours) was sent to Plivo as UTC (its documentation does not say which zone its filters use): messages near the ends of the window may be missing or extra. Widen the window by ${otherOffset.replace(/^[+-]/, '')} on each side to be sure.`;
    if (out.json) out.note(JSON.stringify({ warning: text }));
    else out.warn(text);
  }
  if (stoppedBy !== undefined) {
    throw new InterruptedError(`Stopped after ${progressText(state)}.`, state.records > 0 ? resumeHint(lastTime) : undefined, stoppedBy);
  }
  if (table) printFooter(out, state, since, until, flags.limit, errorCodes);
  return ExitCode.ok;
}

function progressText(state: ListState): string {
  const of = state.expected !== undefined ? ` of ${formatCount(state.expected)}` : '';
  return `${formatCount(state.records)}${of} messages (${plural(state.pages, 'page')})`;
}

/** Newest first: what was not read is older than the last record shown. */
function resumeHint(lastTime: unknown): string | undefined {
  const ms = recordTime(lastTime);
  if (ms === undefined) return undefined;
  // Rounded up to the whole second after it: --until is sent to the second, and messages of the
  // same second as the last one shown (and not shown yet) must not fall outside the window.
  const until = new Date(Math.floor(ms / 1000) * 1000 + 1000);
  return `The rest are older: continue with the same filters and --until ${until.toISOString().slice(0, 19)}Z (messages of that last second are listed again).`;
}

/** A read that failed part-way says how far it got; one that read nothing is the error itself. */
function incomplete(error: unknown, state: ListState, lastTime: unknown): unknown {
  if (!(error instanceof CliError) || state.records === 0) return error;
  const reason = error.message.startsWith('Plivo') ? error.message : error.message.charAt(0).toLowerCase() + error.message.slice(1);
  const hint = [resumeHint(lastTime), error.hint].filter((h) => h !== undefined).join(' ');
  return new CliError(`The list is incomplete: read ${progressText(state)}, then ${reason}`, {
    exitCode: error.exitCode,
    code: error.code,
    hint: hint === '' ? undefined : hint,
    details: { ...error.details, messages_read: state.records, messages_total: state.total ?? null },
    cause: error,
  });
}

function printFooter(out: Output, state: ListState, since: Date, until: Date, limit: number | undefined, codes: Map<string, string>): void {
  const window = `between ${localTime(since.toISOString())} and ${localTime(until.toISOString())}`;
  const c = out.out;
  if (state.records === 0) return out.line(`No messages ${window} match the filters.`);
  const of = state.total !== undefined && state.total > state.records ? ` of ${formatCount(state.total)}` : '';
  const cap = limit !== undefined && of !== '' ? ` (--limit ${limit})` : '';
  out.line(c.dim(`${formatCount(state.records)}${of} ${state.records === 1 && of === '' ? 'message' : 'messages'} ${window}${cap}, newest first.`));
  for (const [code, meaning] of [...codes].sort((a, b) => Number(a[0]) - Number(b[0])))
    out.line(c.dim(`Error ${code}: ${meaning || 'not documented by Plivo'}`));
}

/** `'+05:30'` for a record time such as `2024-08-21 18:28:49.244057+05:30`; undefined for UTC or no offset. */
function nonUtcOffset(time: unknown): string | undefined {
  if (typeof time !== 'string') return undefined;
  const m = /([+-]\d{2}):?(\d{2})$/.exec(time.trim());
  if (!m || (m[1] === '+00' && m[2] === '00') || (m[1] === '-00' && m[2] === '00')) return undefined;
  return `${m[1]}:${m[2]}`;
}
