/**
 * `--csv` batch mode for sms, mms and whatsapp: settings → plan → (dry run | confirm → send) →
 * summary. The edge of the batch room: it reads flags, the terminal and the clock, and hands the
 * passes (runner.ts, sender.ts) everything they need.
 */
import { createHash } from 'node:crypto';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Context } from '../context.js';
import type { SendFlags } from '../commands/options.js';
import { loadSettings, messageOptions, createClient, type ContentOptions } from '../commands/send.js';
import { startLocalSandbox } from '../commands/sandbox-session.js';
import { readTextOption } from '../input.js';
import type { Io } from '../io.js';
import { plural, type Output } from '../output.js';
import { AuthError, ExitCode, RefusedError, UsageError, ValidationError } from '../errors.js';
import type { MessageOptions, MessageType } from '../core/message.js';
import { PLIVO_MAX_RATE } from '../core/fields.js';
import { requireCredentials, type Credentials, type Settings } from '../core/settings.js';
import type { PlivoClient } from '../transport/client.js';
import { CsvInput } from './input.js';
import { compileTemplate, type Template } from './template.js';
import { describePlan, estimate, planJson, type Plan } from './plan.js';
import { runDryRun, runPlanPass, type BatchInput } from './runner.js';
import { JournalError, JournalWriter, loadJournal, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalHeader, type LoadedJournal } from './journal.js';
import { LineWriter, ResultsFile, resultObject, type RowResult } from './results.js';
import { Limiter, RateWindow, Semaphore, StopSignal, systemClock } from './limiter.js';
import { startProgress, type Progress } from './progress.js';
import { resumeCommand } from './resume.js';
import { lockJournal } from './lock.js';

export const DEFAULT_RATE = 60;
export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 100;
/** After the first Ctrl-C, requests in flight get this long to finish. */
export const GRACE_MS = 10_000;
/** Retries of a row's 429 / connection refused when the `retries` setting is not given. */
export const DEFAULT_RETRIES = 4;

export async function runBatch(ctx: Context, type: MessageType, flags: SendFlags, content: ContentOptions, out: Output): Promise<number> {
  const csv = flags.csv!;
  if (flags.resume && flags.journal === undefined) throw new UsageError('--resume needs the --journal of the batch to resume.', 'Run it again with --journal <path> --resume.');
  const stdinFlag = csv === '-' ? (['text', 'template', 'interactive', 'location'] as const).find((k) => flags[k] === '-') : undefined;
  if (stdinFlag) throw new UsageError(`--csv - and --${stdinFlag} - cannot both read stdin.`, `Give --${stdinFlag} inline (or as @file for JSON options), or the CSV as a file.`);
  const templateText = await readTextOption(flags.text, ctx.io);
  let template: Template | undefined;
  if (templateText !== undefined) {
    const compiled = compileTemplate(templateText);
    if (!compiled.ok) throw new ValidationError([{ field: 'text', message: compiled.problem }]);
    template = compiled.template;
  }
  const settings = await loadSettings(ctx, flags, out);
  const rate = settings.rate ?? DEFAULT_RATE;
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  if (concurrency > MAX_CONCURRENCY) throw new UsageError(`concurrency is ${concurrency}; at most ${MAX_CONCURRENCY} requests may be in flight (Plivo allows about 100).`, 'Lower --concurrency (or concurrency in .plivorc).');
  if (rate > PLIVO_MAX_RATE && !flags.dryRun) {
    out.warn(`--rate ${rate} is above Plivo's limit of ${PLIVO_MAX_RATE} requests per second (300 per 5 s): expect 429 answers, which slow the batch down again.`);
  }
  const defaults = messageOptions(type, settings, flags, undefined, content);
  const input = new CsvInput(csv, ctx.io);
  const batch: BatchInput = { type, input, defaults, template, csvOptions: { encoding: flags.encoding, delimiter: flags.delimiter, skipDuplicates: flags.skipDuplicates } };

  // Ctrl-C: the first stops taking rows (and waits GRACE_MS for requests in flight); the second
  // stops waiting. The journal stays consistent either way: see journal.ts.
  const halt = new StopSignal();
  const hardStop = new StopSignal();
  let interrupts = 0;
  let onFirstInterrupt = (): void => undefined;
  const unregister = ctx.io.onInterrupt?.(() => {
    interrupts++;
    if (interrupts === 1) {
      halt.stop();
      onFirstInterrupt();
    } else hardStop.stop();
  });
  const run: BatchRun = { ctx, type, flags, out, batch, rate, concurrency, halt, hardStop, interrupted: () => interrupts > 0, onInterrupt: (f) => (onFirstInterrupt = f), settleMs: (settings.settle ?? Math.min(settings.timeout ?? 30, 30)) * 1000 };
  try {
    if (flags.dryRun) return await dryRun(run);
    const sandbox = flags.sandbox ? await startLocalSandbox(out) : undefined;
    try {
      return await send(run, sandbox ? sandbox.credentials : requireCredentials(settings), sandbox !== undefined, settings, templateText);
    } finally {
      await sandbox?.close();
    }
  } finally {
    unregister?.();
    await input.dispose();
  }
}

interface BatchRun {
  ctx: Context;
  type: MessageType;
  flags: SendFlags;
  out: Output;
  batch: BatchInput;
  rate: number;
  concurrency: number;
  halt: StopSignal;
  hardStop: StopSignal;
  interrupted: () => boolean;
  onInterrupt: (f: () => void) => void;
  /** How long after its attempt an unknown row's message may take to show in Plivo's list. */
  settleMs: number;
}

async function dryRun(run: BatchRun): Promise<number> {
  const { out, flags } = run;
  const ignored = [flags.journal && '--journal', flags.resume && '--resume', flags.results && '--results'].filter(Boolean);
  if (ignored.length > 0) out.warn(`${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored with --dry-run: nothing is sent or recorded.`);
  const plan = await runDryRun(run.batch, out, run.halt);
  printPlan(run, plan);
  if (run.interrupted()) {
    out.note('Interrupted: the dry run stopped before the end of the CSV.');
    return ExitCode.interrupted;
  }
  if (!out.json) out.note(out.err.dim('Dry run: nothing was sent.'));
  return plan.invalid === 0 ? ExitCode.ok : ExitCode.batchIncomplete;
}

function printPlan(run: BatchRun, plan: Plan): void {
  const { out } = run;
  const est = estimate(plan, run.rate);
  if (out.json) {
    out.note(JSON.stringify({ plan: planJson(plan, est) }));
    return;
  }
  for (const line of describePlan(plan, est, { rate: run.rate, source: run.batch.input.name })) out.note(line);
  if (est.expiryWarning) out.warn(est.expiryWarning);
}

/** Everything besides the CSV that shapes a request body: what a resume must repeat exactly. */
function bodyOptions(type: MessageType, defaults: MessageOptions, templateText: string | undefined): Record<string, unknown> {
  const { type: _type, ...rest } = defaults;
  return JSON.parse(JSON.stringify({ type, text_template: templateText ?? null, ...rest })) as Record<string, unknown>;
}

function hashOptions(options: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

async function send(run: BatchRun, credentials: Credentials, sandbox: boolean, settings: Settings, templateText: string | undefined): Promise<number> {
  const { ctx, out, flags, type } = run;
  const journalPath = flags.journal === undefined ? undefined : resolve(ctx.io.cwd, flags.journal);
  const options = bodyOptions(type, run.batch.defaults, templateText);
  const header: JournalHeader = {
    journal: JOURNAL_FORMAT,
    version: JOURNAL_VERSION,
    created: new Date().toISOString(),
    type,
    account: credentials.authId,
    api_url: credentials.apiUrl,
    options_hash: hashOptions(options),
    options,
    csv: run.batch.input.name,
  };

  const resultsPath = flags.results === undefined ? undefined : resolve(ctx.io.cwd, flags.results);
  const others: Array<[string | undefined, string]> = [
    [journalPath, 'journal'],
    [journalPath && `${journalPath}.lock`, "journal's lock file"],
    [run.batch.input.isStdin ? undefined : resolve(ctx.io.cwd, flags.csv!), 'CSV'],
  ];
  const clobbers = resultsPath === undefined ? undefined : others.find(([path]) => path === resultsPath)?.[1];
  if (clobbers !== undefined) {
    throw new UsageError(`--results ${flags.results} would overwrite the ${clobbers}.`, 'Give --results a path of its own.');
  }

  // One run per journal for the whole run: a second run would send the same rows again.
  const lock = journalPath === undefined ? undefined : await lockJournal(journalPath, { shownAs: flags.journal });
  try {
    if (lock?.tookOver) {
      const who = lock.tookOver.pid === undefined ? 'a run' : `pid ${lock.tookOver.pid}`;
      out.warn(`Took over the lock file ${flags.journal!}.lock left by ${who}, which is no longer running (it crashed or was killed).`);
    }
    return await sendLocked(run, credentials, sandbox, settings, header, journalPath, resultsPath);
  } finally {
    await lock?.release();
  }
}

async function sendLocked(
  run: BatchRun,
  credentials: Credentials,
  sandbox: boolean,
  settings: Settings,
  header: JournalHeader,
  journalPath: string | undefined,
  resultsPath: string | undefined,
): Promise<number> {
  const { ctx, out, flags } = run;
  let loaded: LoadedJournal | undefined;
  /** When the journal was last written to, before this run appends anything. */
  let journalWrittenAt = 0;
  if (flags.resume && journalPath) {
    journalWrittenAt = await lastModified(journalPath);
    loaded = await loadJournal(journalPath);
    checkJournalHeader(loaded.header, header, sandbox, flags.journal!);
  } else if (journalPath && (await exists(journalPath))) {
    throw new JournalError(`The journal ${flags.journal} already exists.`, 'Add --resume to continue the batch it records, or give --journal a new path.');
  }

  let journal: JournalWriter | undefined;
  let client: PlivoClient | undefined;
  let results: ResultsFile | undefined;
  let progress: Progress | undefined;
  try {
    const pass = await runPlanPass(run.batch, loaded?.index, run.halt);
    if (!pass.complete) {
      out.note('Interrupted before sending: nothing was sent.');
      return ExitCode.interrupted;
    }
    const plan = pass.plan;
    printPlan(run, plan);
    if (plan.requests > 0) {
      if (!(await confirm(run, plan))) {
        out.note('Interrupted before sending: nothing was sent.');
        return ExitCode.interrupted;
      }
      if (!journalPath && plan.requests > 100 && !out.json) {
        out.note(out.err.dim('Tip: --journal <file> makes an interrupted batch resumable without sending any row twice.'));
      }
    }

    if (resultsPath !== undefined) results = openResults(resultsPath, flags.results!);
    if (journalPath) {
      if (loaded) {
        journal = await JournalWriter.append(journalPath, loaded.validBytes);
        await journal.write({ t: 'resume', at: new Date().toISOString() });
      } else {
        journal = await JournalWriter.create(journalPath, header);
      }
    }
    client = await createClient(ctx, credentials, settings, out, flags.debug === true, run.concurrency);
    const stdout = out.json ? new LineWriter(ctx.io.stdout) : undefined;
    const summary = new Summary();
    const emit = (r: RowResult): void => {
      summary.add(r);
      results?.write(r);
      stdout?.write(`${JSON.stringify(resultObject(r))}\n`);
    };
    const ready = (): Promise<void> | undefined => {
      const a = results?.ready();
      const b = stdout?.ready();
      return a && b ? Promise.all([a, b]).then(() => undefined) : (a ?? b);
    };

    const { runSendPass } = await import('./sender.js');
    const { resolveUnknowns } = await import('./reconcile.js');
    const { backoffMs } = await import('../transport/client.js');
    progress = plan.requests > 0 ? await startProgress(out, plan.requests) : undefined;
    run.onInterrupt(() => {
      progress?.stop();
      out.note(`Stopping: no new rows are sent; waiting up to ${GRACE_MS / 1000} s for requests in flight (Ctrl-C again to stop waiting).`);
    });
    const slots = new Semaphore(run.concurrency * 2);
    const requests = new Semaphore(run.concurrency);
    let done = 0;
    const sendCtx = {
      client,
      limiter: new Limiter(new RateWindow({ rate: run.rate }), systemClock, run.halt),
      slots,
      requests,
      clock: systemClock,
      backoff: backoffMs,
      journal,
      index: loaded?.index,
      halt: run.halt,
      hardStop: run.hardStop,
      graceMs: GRACE_MS,
      settleMs: run.settleMs,
      note: (line: string) => out.note(line),
      maxAttempts: (settings.retries ?? DEFAULT_RETRIES) + 1,
      emit,
      ready,
      onRowDone: () => progress?.update(++done),
    };
    if (pass.toCheck.length > 0) await settleUnknowns(pass.toCheck.length, journalWrittenAt, run);
    const resolutions = pass.toCheck.length > 0 ? await resolveUnknowns(pass.toCheck, sendCtx, run.concurrency) : new Map();
    const result = await runSendPass(run.batch, sendCtx, resolutions, run.interrupted);
    progress?.stop();
    stdout?.flush();
    await results?.close();
    results = undefined;

    printSummary(run, summary, plan);
    const resumable = journalPath !== undefined;
    if (result.interrupted) {
      printResumeHint(run, resumable, 'The batch was interrupted.');
      return ExitCode.interrupted;
    }
    if (result.abort?.kind === 'auth') {
      out.error(new AuthError('Plivo rejected the credentials (401); the batch stopped and the remaining rows were not sent.', 'Check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (or authId / authToken in .plivorc) against the Plivo console, then resume.'), false);
      printResumeHint(run, resumable);
      return ExitCode.auth;
    }
    if (result.abort?.kind === 'journal') {
      out.warn(`The batch stopped: ${result.abort.message}. Rows after that point were not sent.`);
      return ExitCode.batchIncomplete;
    }
    if (resumable && (summary.unknown > 0 || summary.failed > 0)) printResumeHint(run, resumable);
    return summary.sent === plan.rows ? ExitCode.ok : ExitCode.batchIncomplete;
  } finally {
    progress?.stop();
    client?.close();
    await results?.close().catch(() => undefined);
    await journal?.close();
    loaded?.index.close();
  }
}

function checkJournalHeader(found: JournalHeader, expected: JournalHeader, sandbox: boolean, path: string): void {
  const fresh = 'Resume with the same CSV and options as the original run, or start a new batch with a new --journal path.';
  if (found.type !== expected.type) {
    throw new JournalError(`The journal ${path} records a ${found.type} batch; this is ${expected.type}.`, `Resume with plivo-send ${found.type}, or start a new batch with a new --journal path.`);
  }
  if (found.options_hash !== expected.options_hash) {
    const keys = new Set([...Object.keys(found.options ?? {}), ...Object.keys(expected.options)]);
    const changed = [...keys].filter((k) => JSON.stringify(found.options?.[k]) !== JSON.stringify(expected.options[k]));
    const names = changed.map((k) => (k === 'text_template' ? '--text' : k)).join(', ');
    throw new JournalError(`The journal ${path} was written with different message options (${names || 'options'}), so its rows would not be the same requests. Nothing was sent.`, fresh);
  }
  // A sandbox is new each run: its account and port change, and nothing real was ever sent.
  if (!sandbox && (found.account !== expected.account || found.api_url !== expected.api_url)) {
    throw new JournalError(
      `The journal ${path} records a batch sent with account ${found.account} at ${found.api_url}; these credentials are for ${expected.account} at ${expected.api_url}.`,
      'Resume with the credentials (profile) of the original run: its rows can only be checked in that account.',
    );
  }
}

function openResults(path: string, given: string): ResultsFile {
  try {
    return new ResultsFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot write the results file ${given}: ${code === 'ENOENT' ? 'its directory does not exist' : (code ?? String(error))}. Nothing was sent.`, 'Give --results a path in a directory you can write to.');
  }
}

/** The file's mtime in ms; 0 when it cannot be read (loadJournal then says why). */
async function lastModified(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * On a terminal, asks; without one, `--yes` is required (exit 5). False when Ctrl-C came first.
 */
async function confirm(run: BatchRun, plan: Plan): Promise<boolean> {
  const { ctx, flags, out } = run;
  if (flags.yes) return true;
  const what = `${plural(plan.messages, 'message')} (${plural(plan.totalUnits, 'unit')})`;
  if (ctx.io.stdin.isTTY !== true || ctx.io.stderr.isTTY !== true) {
    throw new RefusedError(`Sending ${what} needs confirmation, and there is no terminal to ask on. Nothing was sent.`, 'Add --yes to send without asking (check the rows first with --dry-run).');
  }
  const answer = await ask(ctx.io, `Send ${what}? [y/N] `, run.halt);
  if (answer === undefined) return false;
  if (!/^y(es)?$/i.test(answer.trim())) throw new RefusedError('Nothing was sent: the batch was not confirmed.');
  if (!out.json) out.note('');
  return true;
}

async function ask(io: Io, question: string, halt: StopSignal): Promise<string | undefined> {
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await Promise.race([
      new Promise<string>((resolveLine) => {
        rl.once('line', resolveLine);
        rl.once('close', () => resolveLine(''));
      }),
      halt.wait().then(() => undefined),
    ]);
  } finally {
    rl.close();
  }
}

class Summary {
  rows = 0;
  sent = 0;
  /** Failed rows, besides those not reached. */
  failed = 0;
  invalid = 0;
  unknown = 0;
  /** Rows a Ctrl-C came before (reported `failed`, "not sent"). */
  notReached = 0;
  units = 0;
  notSent: RowResult[] = [];

  add(r: RowResult): void {
    this.rows++;
    if (r.notReached) {
      this.notReached++;
      return;
    }
    this[r.status]++;
    if (r.status === 'sent') this.units += r.units ?? 0;
    else if (this.notSent.length < 10) this.notSent.push(r);
  }
}

function printSummary(run: BatchRun, s: Summary, plan: Plan): void {
  const { out, flags } = run;
  // Every row gets a result (after a Ctrl-C too); any that did not would count as not reached.
  const notReached = s.notReached + Math.max(0, plan.rows - s.rows);
  if (out.json) {
    out.note(JSON.stringify({ summary: { rows: plan.rows, sent: s.sent, failed: s.failed, invalid: s.invalid, unknown: s.unknown, units: s.units, not_reached: notReached } }));
    return;
  }
  const c = out.out;
  const mark = s.sent === plan.rows ? c.green('✓') : c.yellow('!');
  out.line(`${mark} Sent ${s.sent.toLocaleString('en-US')} of ${plural(plan.rows, 'row')} · ${plural(s.units, 'unit')}`);
  if (s.sent < plan.rows) {
    out.line(`  ${s.failed.toLocaleString('en-US')} failed · ${s.invalid.toLocaleString('en-US')} invalid · ${s.unknown.toLocaleString('en-US')} unknown${notReached > 0 ? ` · ${notReached.toLocaleString('en-US')} not reached` : ''}`);
  }
  for (const r of s.notSent) out.line(`  row ${r.row} ${r.status}: ${r.error ?? ''}`);
  const more = s.rows - s.sent - s.notReached - s.notSent.length;
  if (more > 0) out.line(`  … and ${more.toLocaleString('en-US')} more not sent${flags.results ? '' : ' (add --results <file> to list every row)'}`);
  if (flags.results) out.line(`  Results: ${flags.results}`);
  if (s.unknown > 0) {
    out.line(`  ${plural(s.unknown, 'row')} may have been queued (unknown): do not send ${s.unknown === 1 ? 'it' : 'them'} again before checking.`);
  }
}

function printResumeHint(run: BatchRun, resumable: boolean, lead?: string): void {
  const { out, flags, type } = run;
  const prefix = lead ? `${lead} ` : '';
  if (!resumable) {
    out.note(`${prefix}There was no --journal, so the batch cannot be resumed safely: the results show which rows were sent.`);
    return;
  }
  const stdin = flags.csv === '-' ? ' (with the same CSV on stdin)' : '';
  out.note(`${prefix}To finish it${stdin} (rows already sent are skipped; unknown ones are looked up first):`);
  out.note(`  ${resumeCommand(type, { ...flags, resume: undefined })}`);
}

/**
 * A request cut off by a crash may still be on its way through Plivo: its message would be missing
 * from the list for a moment and then be sent twice. So the lookups wait until the journal's last
 * write (taken before this run wrote anything: the crash or stop came after it) is older than the
 * request timeout (at most 30 s), the longest such a request could last. A row's `inflight` time
 * would not do: it is written before the rate limiter's wait and any retries and backoff, so its
 * request may have gone out long after it.
 */
export function settleWaitMs(journalWrittenAt: number, settleMs: number, now: number): number {
  return Math.max(0, journalWrittenAt + settleMs - now);
}

async function settleUnknowns(count: number, journalWrittenAt: number, run: BatchRun): Promise<void> {
  const waitMs = settleWaitMs(journalWrittenAt, run.settleMs, Date.now());
  if (waitMs <= 0) return;
  run.out.note(`Waiting ${Math.ceil(waitMs / 1000)} s before checking ${count} unknown row(s) in Plivo's message list, so that requests cut off earlier have landed.`);
  await systemClock.sleep(waitMs, run.halt);
}
