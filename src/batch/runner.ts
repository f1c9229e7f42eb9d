/**
 * The batch pipeline: rows → render and validate → (dry run: print | send) → journal → results.
 * Three passes over the CSV, each streaming:
 * - `runDryRun`: one pass; prints one line per row and builds the plan;
 * - `runPlanPass`: builds the plan before a send (and, on resume, checks every journalled row
 *   still renders to the journalled body, and collects the rows whose outcome is unknown);
 * - `runSendPass` (sender.ts): sends each row once under the rate limiter and concurrency bound
 *   (a CSV of up to KEEP_PREPARED_ROWS rows is not read again: the plan pass kept its rows).
 * Between the last two, `resolveUnknowns` (sender.ts) looks unknown rows up in Plivo's message
 * list before anything new is sent, so a message this run sends cannot pass for an earlier one.
 */
import type { BuiltMessage, MessageType, MessageOptions } from '../core/message.js';
import { ValidationError } from '../errors.js';
import type { Output } from '../output.js';
import { describeUnits } from '../core/format.js';
import { openCsvRows, type CsvRows } from './csv.js';
import type { CsvInput } from './input.js';
import { compileRowSpec, describeProblems, prepareRow, type PreparedRow, type RowSpec } from './row.js';
import type { Template } from './template.js';
import { PlanBuilder, type Plan, type RowStanding } from './plan.js';
import { bodyHash } from './hash.js';
import { JournalError, RowState, type JournalIndex } from './journal.js';
import { LineWriter } from './results.js';
import type { StopSignal } from './limiter.js';

export interface BatchInput {
  type: MessageType;
  input: CsvInput;
  defaults: MessageOptions;
  template: Template | undefined;
  /** --encoding, --delimiter, --skip-duplicates. */
  csvOptions: CsvOptions;
}

interface CsvOptions {
  encoding?: string | undefined;
  delimiter?: string | undefined;
  skipDuplicates?: boolean | undefined;
}

/**
 * A plan pass keeps the rows it rendered for the send pass that follows, when the CSV has no more
 * than this many: the send pass then neither reads nor renders them again (a larger CSV is read
 * again, so that memory stays flat however long it is).
 */
const KEEP_PREPARED_ROWS = 10_000;
const keptRows = new WeakMap<BatchInput, PreparedRow[]>();

/** The rows of the CSV, rendered, in order. */
export interface PreparedRows {
  next(): Promise<PreparedRow | undefined>;
  close(): void;
}

/** The rows for the send pass: those the plan pass kept (taken once), else the CSV read again. */
export async function openPreparedRows(batch: BatchInput): Promise<PreparedRows> {
  const kept = keptRows.get(batch);
  if (kept !== undefined) {
    keptRows.delete(batch);
    let i = 0;
    return { next: () => Promise.resolve(kept[i++]), close: () => undefined };
  }
  const { csv, spec } = await openRows(batch, false);
  let row = 0;
  return {
    next: async () => {
      const cells = await csv.next();
      return cells === undefined ? undefined : prepareRow(spec, ++row, cells);
    },
    close: () => csv.close(),
  };
}

export async function openRows(batch: BatchInput, keep: boolean): Promise<{ csv: CsvRows; spec: RowSpec }> {
  const { encoding, delimiter, skipDuplicates } = batch.csvOptions;
  const csv = await openCsvRows(await batch.input.open(keep), batch.input.name, { encoding, delimiter });
  const compiled = compileRowSpec(csv.header, batch.defaults, batch.template, { skipDuplicates });
  if (!compiled.ok) {
    csv.close();
    throw new ValidationError(compiled.problems);
  }
  return { csv, spec: compiled.spec };
}

// ---------------------------------------------------------------------------------------------
// Dry run

/**
 * One pass: the plan, and one line per row on stdout (JSON with `--json`: `row`, `status`,
 * `encoding`, `segments`, `body` or `error`). Written in large chunks, honouring backpressure.
 * When stdout is closed early (`| head`), the rows are still read to the end: the plan on stderr
 * and the exit code speak for the whole file, never for the rows printed so far.
 */
export async function runDryRun(batch: BatchInput, out: Output, stop: StopSignal): Promise<Plan> {
  const { csv, spec } = await openRows(batch, false);
  const plan = new PlanBuilder(batch.type, { skipping: spec.duplicates });
  const writer = new LineWriter(out.io.stdout);
  try {
    for (let row = 1; !stop.stopped; row++) {
      const cells = await csv.next();
      if (cells === undefined) break;
      const prepared = prepareRow(spec, row, cells);
      plan.add(prepared);
      if (writer.closed) continue;
      writer.write(out.json ? dryRunJsonLine(prepared) : dryRunHumanLine(prepared, out));
      const wait = writer.ready();
      if (wait) await stop.race(wait);
    }
  } finally {
    writer.flush();
    csv.close();
  }
  return plan.finish();
}

/** Built by hand: this runs a million times in the dry-run benchmark. */
function dryRunJsonLine(p: PreparedRow): string {
  if (!p.ok)
    return `{"row":${p.row},"status":"${p.suppressed ? 'suppressed' : 'invalid'}","error":${JSON.stringify(describeProblems(p.problems))},"problems":${JSON.stringify(p.problems)}}\n`;
  const count = p.message.count;
  const encoding = count ? `"${count.encoding}"` : 'null';
  return `{"row":${p.row},"status":"valid","encoding":${encoding},"segments":${count ? count.segments : 0},"body":${JSON.stringify(p.message.body)}}\n`;
}

function dryRunHumanLine(p: PreparedRow, out: Output): string {
  const c = out.out;
  if (!p.ok)
    return p.suppressed
      ? `${c.dim('-')} row ${p.row}: suppressed: ${describeProblems(p.problems)}\n`
      : `${c.red('✗')} row ${p.row}: ${describeProblems(p.problems)}\n`;
  const body = p.message.body;
  const text = body.text === undefined ? '' : ` · ${JSON.stringify(body.text.length > 60 ? `${body.text.slice(0, 60)}…` : body.text)}`;
  return `${c.green('✓')} row ${p.row} → ${body.dst} · ${describeUnits(p.message)}${text}\n`;
}

// ---------------------------------------------------------------------------------------------
// Plan pass

/** A row whose earlier request may or may not have been queued: looked up before any re-send. */
export interface CheckItem {
  row: number;
  destinations: string[];
  dst: string;
  src: string | undefined;
  type: string;
  since: Date;
  /** The row's message as this run builds it (units, sender, type: what a record must match). */
  message: BuiltMessage;
}

export interface PlanPassResult {
  plan: Plan;
  toCheck: CheckItem[];
  /** False when interrupted before the end. */
  complete: boolean;
}

export async function runPlanPass(batch: BatchInput, index: JournalIndex | undefined, stop: StopSignal): Promise<PlanPassResult> {
  const { csv, spec } = await openRows(batch, true);
  const plan = new PlanBuilder(batch.type, { skipping: spec.duplicates });
  const toCheck: CheckItem[] = [];
  let complete = false;
  let kept: PreparedRow[] | undefined = [];
  try {
    for (let row = 1; ; row++) {
      if (stop.stopped) return { plan: plan.finish(), toCheck, complete };
      const cells = await csv.next();
      if (cells === undefined) break;
      const original = prepareRow(spec, row, cells);
      let prepared = original;
      let standing: RowStanding = 'new';
      const state = index?.stateOf(row) ?? RowState.none;
      if (index && state !== RowState.none) {
        // A row the journal has a request for, whose number a --suppress list given on resume now
        // holds: what went out earlier stands (sent, or looked up); it is never sent again.
        if (!prepared.ok && prepared.unsuppressed) prepared = { ok: true, row, message: prepared.unsuppressed };
        if (!prepared.ok || !index.hashMatches(row, bodyHash(prepared.message.body))) throw mismatch(batch.input.name, row, prepared.ok);
        if (state === RowState.sent) standing = 'sent';
        else if (state === RowState.inflight || state === RowState.unknown) {
          standing = 'check';
          const body = prepared.message.body;
          toCheck.push({
            row,
            destinations: prepared.message.destinations,
            dst: body.dst,
            src: body.src,
            type: body.type,
            since: index.attemptTime(row),
            message: prepared.message,
          });
        }
      }
      plan.add(prepared, standing);
      if (kept !== undefined && kept.length < KEEP_PREPARED_ROWS) kept.push(original);
      else kept = undefined;
    }
    complete = true;
    if (kept !== undefined) keptRows.set(batch, kept);
  } finally {
    csv.close();
  }
  const result = plan.finish();
  if (index && index.maxRow > result.rows) {
    throw new JournalError(
      `The journal records row ${index.maxRow}, but ${batch.input.name} has only ${result.rows} rows: it is not the CSV this journal was written for.`,
      'Resume with the same CSV as the original run, or start a new batch with a new --journal path.',
    );
  }
  return { plan: result, toCheck, complete };
}

function mismatch(name: string, row: number, valid: boolean): JournalError {
  return new JournalError(
    `Row ${row} of ${name} ${valid ? 'does not render to the request the journal recorded for it' : 'is now invalid, but the journal recorded a request for it'}: the CSV or the options changed since the original run. Nothing was sent.`,
    'Resume with the same CSV, --text and options as the original run, or start a new batch with a new --journal path.',
  );
}
