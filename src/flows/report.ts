/**
 * The report command's action: a batch's delivery summary from its --results file, the status
 * events `listen --out` wrote, and (--fetch) Plivo's records of the messages still without a
 * final state; --out writes the results again with each row's state, error code and amount.
 */
import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Context } from '../context.js';
import type { SendFlags } from './flags.js';
import { Output } from '../output.js';
import { accountClient, loadSettings } from './session.js';
import { isCsvPath, openResults, unreadable, type ResultRow } from '../history/results-file.js';
import { readEvents, type EventsRead, type Known } from '../history/events.js';
import { FINAL, Tally, rowOutcome, type Summary } from '../history/summary.js';
import { FETCH_RATE, fetchStates, type FetchOutcome } from '../history/fetch.js';
import { startSpinner } from '../history/progress.js';
import { neutralizeCell } from '../batch/results.js';
import { formatDuration } from '../batch/plan.js';
import { plural, formatCount } from '../core/format.js';
import { CliError, ExitCode, InterruptedError, UsageError, describeSystemError, type InterruptSignal } from '../errors.js';

export interface ReportFlags extends Pick<SendFlags, 'json' | 'debug' | 'profile' | 'config' | 'timeout'> {
  results?: string;
  events?: string[];
  fetch?: boolean;
  out?: string;
}

/** Lookups slower than this get an estimate first. */
const SLOW_MS = 15_000;
const ADDED_COLUMNS = ['state', 'error_code', 'amount', 'stopped'] as const;

export async function runReport(ctx: Context, flags: ReportFlags): Promise<number> {
  if (flags.results === undefined)
    throw new UsageError(
      'report needs --results <path>: the file a batch send wrote with --results.',
      'For example: plivo-send report --results results.jsonl --fetch',
    );
  const resultsPath = resolve(ctx.io.cwd, flags.results);
  const eventPaths = (flags.events ?? []).map((p) => resolve(ctx.io.cwd, p));
  const outPath = flags.out === undefined ? undefined : resolve(ctx.io.cwd, flags.out);
  if (outPath !== undefined) refuseOverwrite(outPath, [[resultsPath, '--results'], ...eventPaths.map((p): [string, string] => [p, '--events'])]);
  const out = new Output(ctx.io, flags.json === true);

  // Credentials first: a --fetch that cannot run should fail before the files are read.
  const client = flags.fetch
    ? await (async () => {
        const settings = await loadSettings(ctx, { profile: flags.profile, config: flags.config, timeout: flags.timeout }, out);
        return accountClient(ctx, settings, out, flags.debug === true);
      })()
    : undefined;
  try {
    // Pass 1: the messages of the batch (uuid → what is known of it).
    const known = new Map<string, Known | undefined>();
    for await (const row of (await open(resultsPath)).rows) for (const uuid of row.uuids) known.set(uuid.toLowerCase(), undefined);

    const events: EventsRead = { used: 0, ignored: 0, skipped: 0 };
    for (const path of eventPaths) {
      try {
        await readEvents(path, known, events, (line) => out.warn(line));
      } catch (error) {
        throw unreadable(path, error, '--events');
      }
    }

    let fetched: FetchOutcome | undefined;
    if (client !== undefined) fetched = await lookUp(ctx, out, client, known);

    // Pass 2: every row again, counted and (--out) written with its outcome.
    const tally = new Tally();
    const source = await open(resultsPath);
    const writer = outPath === undefined ? undefined : new RowWriter(outPath, source.columns);
    try {
      for await (const row of source.rows) {
        const messages = row.uuids.map((uuid) => known.get(uuid.toLowerCase()));
        tally.addRow(row.status, messages);
        writer?.write(row, rowOutcome(messages, typeof row.fields.dst === 'string' ? row.fields.dst : ''));
      }
    } finally {
      writer?.close();
    }
    const summary = tally.summary();
    const report = {
      results: flags.results,
      ...summary,
      events: { files: eventPaths.length, ...events },
      fetched: fetched?.fetched ?? 0,
      not_found: fetched?.notFound ?? 0,
    };
    if (out.json) out.jsonLine(report);
    else
      printSummary(out, basename(resultsPath), summary, {
        events: eventPaths.length > 0,
        fetch: flags.fetch === true,
        notFound: fetched?.notFound ?? 0,
        out: flags.out,
      });
    if (fetched?.failure) {
      out.error(
        new CliError(`Some messages could not be looked up: ${fetched.failure.message}`, {
          exitCode: fetched.failure.exitCode,
          code: fetched.failure.code,
          hint: 'They are counted as pending above. Run the report again later to look them up.',
        }),
        flags.debug === true,
      );
      return fetched.failure.exitCode;
    }
    return ExitCode.ok;
  } finally {
    client?.close();
  }
}

async function open(path: string): ReturnType<typeof openResults> {
  try {
    statSync(path);
  } catch (error) {
    throw unreadable(path, error, '--results');
  }
  return openResults(path);
}

/** --out must never be one of the files it is made from: they are read again while it is written. */
function refuseOverwrite(outPath: string, inputs: Array<[string, string]>): void {
  const id = (p: string) => {
    try {
      const s = statSync(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const outId = id(outPath);
  for (const [path, flag] of inputs) {
    if (path === outPath || (outId !== undefined && id(path) === outId))
      throw new UsageError(
        `--out ${basename(outPath)} is the file given to ${flag}: it would be overwritten while it is read.`,
        'Write the report to a new file, e.g. --out report.jsonl.',
      );
  }
}

async function lookUp(
  ctx: Context,
  out: Output,
  client: NonNullable<Parameters<typeof fetchStates>[0]>,
  known: Map<string, Known | undefined>,
): Promise<FetchOutcome> {
  const pending = [...known].filter(([, k]) => k === undefined || !FINAL.has(k.state)).map(([uuid]) => uuid);
  if (pending.length === 0) return { fetched: 0, notFound: 0, failure: undefined };
  const ms = (pending.length / FETCH_RATE) * 1000;
  if (ms > SLOW_MS) {
    const text = `Looking up ${plural(pending.length, 'message')} without a final state, ${FETCH_RATE} a second: about ${formatDuration(ms / 1000)}.`;
    if (out.json) out.note(JSON.stringify({ notice: text }));
    else out.note(text);
  }
  const controller = new AbortController();
  let stoppedBy: InterruptSignal | undefined;
  const unregister = ctx.io.onInterrupt?.((signal) => {
    stoppedBy ??= signal;
    controller.abort();
  });
  const spinner = await startSpinner(out, `Looking up 0/${formatCount(pending.length)} messages`);
  try {
    const outcome = await fetchStates(client, pending, known, {
      signal: controller.signal,
      onProgress: (done) => spinner.set(`Looking up ${formatCount(done)}/${formatCount(pending.length)} messages`),
    });
    if (stoppedBy !== undefined)
      throw new InterruptedError(`Stopped while looking up messages (${outcome.fetched} of ${pending.length} done); no report was made.`, undefined, stoppedBy);
    return outcome;
  } finally {
    spinner.stop();
    unregister?.();
  }
}

const BASE_COLUMNS = ['row', 'dst', 'status', 'message_uuid', 'segments', 'attempts', 'error'];

/** The results again, one row per line, in the format of --out's name (0600: it holds phone numbers). */
class RowWriter {
  private readonly fd: number;
  private readonly csv: boolean;
  private readonly columns: string[];
  private buffer = '';

  constructor(
    private readonly path: string,
    inputColumns: string[] | undefined,
  ) {
    this.csv = isCsvPath(path);
    const base = inputColumns ?? BASE_COLUMNS;
    this.columns = [...base, ...ADDED_COLUMNS.filter((c) => !base.includes(c))];
    try {
      this.fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
      const info = fstatSync(this.fd);
      if (info.isFile()) {
        fchmodSync(this.fd, 0o600);
        ftruncateSync(this.fd, 0);
      }
    } catch (error) {
      throw new CliError(`Cannot write --out ${path}: ${describeSystemError(error)}.`, {
        exitCode: ExitCode.invalid,
        code: 'unwritable',
        hint: 'Check the path given to --out.',
      });
    }
    if (this.csv) this.buffer = stringify([this.columns]);
  }

  write(row: ResultRow, outcome: ReturnType<typeof rowOutcome>): void {
    const fields: Record<string, unknown> = { ...row.fields, ...outcome };
    if (this.csv) {
      this.buffer += stringify([this.columns.map((c) => neutralizeCell(cellText(c === 'message_uuid' ? row.uuids.join(' ') : fields[c])))]);
    } else {
      if (typeof fields.message_uuid === 'string') fields.message_uuid = row.uuids;
      for (const key of ['row', 'segments', 'attempts']) if (typeof fields[key] === 'string' && /^\d+$/.test(fields[key])) fields[key] = Number(fields[key]);
      this.buffer += `${JSON.stringify(fields)}\n`;
    }
    if (this.buffer.length >= 1 << 16) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer === '') return;
    const bytes = Buffer.from(this.buffer);
    this.buffer = '';
    try {
      for (let written = 0; written < bytes.length;) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      throw new CliError(`Cannot write --out ${this.path}: ${describeSystemError(error)}.`, { exitCode: ExitCode.invalid, code: 'unwritable' });
    }
  }
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function printSummary(out: Output, name: string, s: Summary, seen: { events: boolean; fetch: boolean; notFound: number; out: string | undefined }): void {
  const c = out.out;
  const n = (value: number) => formatCount(value).padStart(7);
  const notSent = Object.entries(s.rows_not_sent);
  const notSentCount = notSent.reduce((sum, [, count]) => sum + count, 0);
  out.line(c.bold(`Delivery report: ${name}, ${plural(s.rows, 'row')}`));
  out.line(
    `  Sent        ${n(s.sent)}${notSentCount > 0 ? c.dim(`  (${plural(notSentCount, 'row')} not sent: ${notSent.map(([status, count]) => `${formatCount(count)} ${status}`).join(', ')})`) : ''}`,
  );
  if (s.rows_unknown > 0)
    out.line(
      c.yellow(
        `  ${plural(s.rows_unknown, 'row')} with an unknown outcome: ${s.rows_unknown === 1 ? 'it' : 'they'} may have been queued (the batch's answer was lost); resume the batch with its --journal to look ${s.rows_unknown === 1 ? 'it' : 'them'} up`,
      ),
    );
  out.line(`  Delivered   ${n(s.delivered)}`);
  out.line(`  Undelivered ${n(s.undelivered)}`);
  out.line(`  Failed      ${n(s.failed)}`);
  const pendingStates = Object.entries(s.states).filter(([state]) => !FINAL.has(state));
  out.line(
    `  Pending     ${n(s.pending)}${s.pending > 0 ? c.dim(`  (${pendingStates.map(([state, count]) => `${formatCount(count)} ${state}`).join(', ')})`) : ''}`,
  );
  if (s.errors.length > 0) {
    out.line(c.bold('Failures by error code'));
    const width = Math.max(...s.errors.map((e) => e.meaning.length));
    for (const e of s.errors) out.line(`  ${e.code.padEnd(5)} ${e.meaning.padEnd(width)} ${n(e.count)}`);
  }
  const of = (known: number) => (known < s.sent ? ` (known for ${formatCount(known)} of ${plural(s.sent, 'message')})` : '');
  out.line(`Units    ${formatCount(s.units)}${of(s.units_known)}`);
  out.line(`Charged  ${s.amount ?? 'unknown'}${of(s.amount_known)}  ${c.dim("(Plivo's TotalAmount, in the account's currency)")}`);
  if (seen.notFound > 0) out.warn(`${plural(seen.notFound, 'message')} not found in Plivo (404): were they sent from another account?`);
  if (s.pending > 0 && !seen.fetch)
    out.note(
      c.dim(
        seen.events
          ? 'Add --fetch to look up the pending messages in Plivo.'
          : 'No delivery events given: add --events <file> (written by plivo-send listen --out) or --fetch to learn the states.',
      ),
    );
  if (seen.out !== undefined) out.note(c.dim(`Wrote ${plural(s.rows, 'row')} with state, error_code and amount to ${seen.out}.`));
}
