/**
 * `--csv` batch mode for sms, mms and whatsapp: settings → plan → (dry run | confirm → send) →
 * summary. The edge of the batch room: it reads flags, the terminal and the clock, and hands the
 * passes (runner.ts, sender.ts) everything they need.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { access, constants, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Context } from '../context.js';
import type { SendFlags } from './flags.js';
import { createClient, loadSettings, messageOptions, startLocalSandbox, type ContentOptions } from './session.js';
import { readTextOption } from '../input.js';
import type { InterruptSignal, Io, Terminal } from '../io.js';
import type { Output } from '../output.js';
import { plural, formatCount } from '../core/format.js';
import { AuthError, CliError, describeSystemError, ExitCode, RateLimitError, RefusedError, signalExitCode, UsageError, ValidationError } from '../errors.js';
import type { MessageOptions, MessageType } from '../core/message.js';
import { PLIVO_MAX_RATE } from '../core/fields.js';
import type { Credentials, Settings } from '../config/settings.js';
import type { PlivoClient } from '../transport/client.js';
import { CsvInput } from '../batch/input.js';
import { compileTemplate, type Template } from '../batch/template.js';
import { describePlan, estimate, planJson, type Plan } from '../batch/plan.js';
import { runDryRun, runPlanPass, type BatchInput } from '../batch/runner.js';
import type { Resolution, SendPassResult } from '../batch/sender.js';
import { JournalError, JournalWriter, loadJournal, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalHeader, type LoadedJournal } from '../batch/journal.js';
import { LineWriter, ResultsFile, resultObject, type ResultsFileOptions, type RowResult } from '../batch/results.js';
import { Limiter, RateWindow, Semaphore, StopSignal, systemClock } from '../batch/limiter.js';
import { startProgress, type Progress } from '../batch/progress.js';
import { resumeCommand } from './resume.js';
import { checkCost, loadNumberSettings, maxCostOf } from './money.js';
import { lockJournal, lockPathOf, type JournalLock } from '../batch/lock.js';
import { fileIdentity, sameFile } from '../batch/file-identity.js';
import { resolveCredentials } from '../config/credentials.js';

const DEFAULT_RATE = 60;
const DEFAULT_CONCURRENCY = 10;
const MAX_CONCURRENCY = 100;
/** After the first Ctrl-C (or SIGTERM, SIGHUP), requests in flight get this long to finish. */
const GRACE_MS = 10_000;
/** Retries of a row's 429 / connection refused when the `retries` setting is not given. */
const DEFAULT_RETRIES = 4;

export async function runBatch(ctx: Context, type: MessageType, flags: SendFlags, content: ContentOptions, out: Output): Promise<number> {
  const csv = flags.csv!;
  if (flags.resume && flags.journal === undefined)
    throw new UsageError('--resume needs the --journal of the batch to resume.', 'Run it again with --journal <path> --resume.');
  const stdinFlag = csv === '-' ? (['text', 'template', 'interactive', 'location'] as const).find((k) => flags[k] === '-') : undefined;
  if (stdinFlag)
    throw new UsageError(
      `--csv - and --${stdinFlag} - cannot both read stdin.`,
      `Give --${stdinFlag} inline (or as @file for JSON options), or the CSV as a file.`,
    );
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
  if (concurrency > MAX_CONCURRENCY)
    throw new UsageError(
      `concurrency is ${concurrency}; at most ${MAX_CONCURRENCY} requests may be in flight (Plivo allows about 100).`,
      'Lower --concurrency (or concurrency in .plivorc).',
    );
  if (rate > PLIVO_MAX_RATE && !flags.dryRun) {
    out.warn(
      `--rate ${rate} is above Plivo's limit of ${PLIVO_MAX_RATE} requests per second (300 per 5 s): expect 429 answers, which slow the batch down again.`,
    );
  }
  const maxCost = maxCostOf(flags, settings);
  const numbers = await loadNumberSettings(ctx, settings);
  const defaults = messageOptions(type, settings, flags, undefined, content, numbers.rules);
  const input = new CsvInput(csv, ctx.io);
  const batch: BatchInput = {
    type,
    input,
    defaults,
    template,
    csvOptions: { encoding: flags.encoding, delimiter: flags.delimiter, skipDuplicates: flags.skipDuplicates },
  };

  // Ctrl-C, SIGTERM (kill, timeout, docker stop) or SIGHUP: the first stops taking rows (and waits
  // GRACE_MS for requests in flight); the second stops waiting. The journal stays consistent
  // either way: see journal.ts. The first signal decides the exit code.
  const halt = new StopSignal();
  const hardStop = new StopSignal();
  let signal: InterruptSignal | undefined;
  let onFirstInterrupt = (_signal: InterruptSignal): void => undefined;
  const unregister = ctx.io.onInterrupt?.((received) => {
    if (signal === undefined) {
      signal = received;
      halt.stop();
      onFirstInterrupt(received);
    } else hardStop.stop();
  });
  const run: BatchRun = {
    ctx,
    type,
    flags,
    out,
    batch,
    rate,
    concurrency,
    halt,
    hardStop,
    interrupted: () => signal !== undefined,
    interruptCode: () => signalExitCode(signal ?? 'SIGINT'),
    onInterrupt: (f) => (onFirstInterrupt = f),
    settleMs: (settings.settle ?? Math.min(settings.timeout ?? 30, 30)) * 1000,
    maxCost,
    suppressing: numbers.suppressed,
  };
  try {
    if (flags.dryRun) return await dryRun(run, settings);
    const sandbox = flags.sandbox ? await startLocalSandbox(out) : undefined;
    try {
      return await send(
        run,
        sandbox ? sandbox.credentials : await resolveCredentials(settings, { env: ctx.io.env, cwd: ctx.io.cwd }),
        sandbox !== undefined,
        settings,
        templateText,
      );
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
  /** 130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP. */
  interruptCode: () => ExitCode;
  onInterrupt: (f: (signal: InterruptSignal) => void) => void;
  /** How long after its attempt an unknown row's message may take to show in Plivo's list. */
  settleMs: number;
  /** --max-cost in micro-units of the account currency. */
  maxCost: number | undefined;
  /** The --suppress files, described for the plan. */
  suppressing: string | undefined;
}

async function dryRun(run: BatchRun, settings: Settings): Promise<number> {
  const { out, flags } = run;
  const ignored = [flags.journal && '--journal', flags.resume && '--resume', flags.results && '--results'].filter(Boolean);
  if (ignored.length > 0) out.warn(`${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored with --dry-run: nothing is sent or recorded.`);
  const plan = await runDryRun(run.batch, out, run.halt);
  printPlan(run, plan);
  if (run.interrupted()) {
    out.note('Interrupted: the dry run stopped before the end of the CSV.');
    return run.interruptCode();
  }
  await dryRunCost(run, settings, plan);
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
  if (run.suppressing) out.note(`  Suppression lists: ${run.suppressing}`);
  if (est.expiryWarning) out.warn(est.expiryWarning);
}

/**
 * A dry run needs no credentials; with them it also prices the batch (a GET per country, cached
 * for a day; with --json from the cache alone), and says when the real run's --max-cost would
 * refuse. Its exit code stays the dry run's own.
 */
async function dryRunCost(run: BatchRun, settings: Settings, plan: Plan): Promise<void> {
  const { ctx, out, flags } = run;
  if (plan.requests === 0) return;
  if (!settings.authId || !settings.authToken) {
    const unchecked = run.maxCost !== undefined ? '; --max-cost was not checked' : '';
    if (out.json) out.note(JSON.stringify({ cost: { estimated: false, reason: `no credentials${unchecked}` } }));
    else
      out.note(`Cost: not estimated: no credentials (the dry run needs none; with PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN it also prices the batch)${unchecked}.`);
    return;
  }
  // One try, no retries: a dry run should not wait on an API it cannot reach.
  const client = await createClient(
    ctx,
    await resolveCredentials(settings, { env: ctx.io.env, cwd: ctx.io.cwd }),
    { ...settings, retries: 0 },
    out,
    flags.debug === true,
  );
  try {
    await checkCost(ctx, out, client, run.type, plan.countries, run.maxCost, { dryRun: true });
  } finally {
    client.close();
  }
}

/** Everything besides the CSV that shapes a request body: what a resume must repeat exactly. */
function bodyOptions(type: MessageType, defaults: MessageOptions, templateText: string | undefined, skipDuplicates: boolean): Record<string, unknown> {
  const { type: _type, numbers, ...rest } = defaults;
  // Skipped repeats are never journalled: a resume without --skip-duplicates would send them. Only
  // named when set, so journals written without it keep their hash.
  const skip = skipDuplicates ? { skip_duplicates: true } : {};
  // How numbers are read shapes the bodies (--country, --no-number-check); named only when not the
  // default, so journals written before the number check keep their hash. --suppress does not
  // shape a body: a resume may add to the lists.
  const reading = numbers && (numbers.country !== undefined || !numbers.check) ? { numbers: { country: numbers.country ?? null, check: numbers.check } } : {};
  return JSON.parse(JSON.stringify({ type, text_template: templateText ?? null, ...rest, ...skip, ...reading })) as Record<string, unknown>;
}

function hashOptions(options: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

async function send(run: BatchRun, credentials: Credentials, sandbox: boolean, settings: Settings, templateText: string | undefined): Promise<number> {
  const { ctx, out, flags, type } = run;
  const journalPath = flags.journal === undefined ? undefined : resolve(ctx.io.cwd, flags.journal);
  const options = bodyOptions(type, run.batch.defaults, templateText, flags.skipDuplicates === true);
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
  if (resultsPath !== undefined) await checkResultsPath(run, resultsPath, journalPath);

  // One run per journal for the whole run: a second run would send the same rows again.
  const lock = journalPath === undefined ? undefined : await lockJournal(journalPath, { shownAs: flags.journal });
  try {
    if (lock?.tookOver) {
      const who = lock.tookOver.pid === undefined ? 'a run' : `pid ${lock.tookOver.pid}`;
      out.warn(`Took over the lock file ${lock.shown} left by ${who}, which is no longer running (it crashed or was killed).`);
    }
    return await sendLocked(run, credentials, sandbox, settings, header, journalPath, resultsPath, lock);
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
  lock: JournalLock | undefined,
): Promise<number> {
  const { ctx, out, flags } = run;
  let loaded: LoadedJournal | undefined;
  /** When the journal was last written to, before this run appends anything. */
  let journalWrittenAt = 0;
  if (flags.resume && journalPath) {
    journalWrittenAt = await lastModified(journalPath);
    loaded = await loadJournal(journalPath);
    checkJournalHeader(loaded.header, header, sandbox, flags.journal!);
    await checkWritable(journalPath, flags.journal!);
  } else if (journalPath && (await exists(journalPath))) {
    throw new JournalError(`The journal ${flags.journal} already exists.`, 'Add --resume to continue the batch it records, or give --journal a new path.');
  }

  let journal: JournalWriter | undefined;
  let client: PlivoClient | undefined;
  let results: ResultsFile | undefined;
  let progress: Progress | undefined;
  try {
    client = await createClient(ctx, credentials, settings, out, flags.debug === true, run.concurrency);
    // Plivo's clock is read before the first row is sent (journal.ts): asked now, while the plan
    // pass reads the CSV, rather than after it. A GET of the account resource; it sends nothing.
    if (journalPath) void client.readClock();
    const pass = await runPlanPass(run.batch, loaded?.index, run.halt);
    if (!pass.complete) {
      out.note('Interrupted before sending: nothing was sent.');
      return run.interruptCode();
    }
    const plan = pass.plan;
    printPlan(run, plan);
    if (plan.requests > 0) {
      const costClient = client;
      const price = async (): Promise<void> => void (await checkCost(ctx, out, costClient, run.type, plan.countries, run.maxCost));
      if (!(await confirm(run, plan, price))) {
        out.note('Interrupted before sending: nothing was sent.');
        return run.interruptCode();
      }
      if (!journalPath && plan.requests > 100 && !out.json) {
        out.note(out.err.dim('Tip: --journal <file> makes an interrupted batch resumable without sending any row twice.'));
      }
    }

    if (journalPath) journal = await openJournal(journalPath, flags.journal!, header, loaded);
    // A new journal exists from here: lock it by its identity too, before any row is sent.
    await lock?.lockFile();
    // A results file that cannot be written (disk full, a file size limit) must not pass for a
    // record: with a journal, the journal is the record and the batch goes on; without one, the
    // results are the only record of what was sent, so each row's line is written as soon as the
    // row is done, and the first failure stops the batch before another row is taken.
    let sending = true;
    if (resultsPath !== undefined) {
      results = await openResults(run, resultsPath, [...(await runFiles(run, journalPath)), [lock?.filePath, "journal's lock file"]], {
        eachRow: journal === undefined,
        onFailure: (error) => {
          if (!sending) return; // found by the last write: said after the summary
          out.warn(
            `Could not write the results file ${flags.results!}: ${describeSystemError(error)}.${journal ? ' The journal keeps every outcome; the batch goes on.' : ' No new rows are sent.'}`,
          );
          if (!journal) run.halt.stop();
        },
      });
    }
    const stdout = out.json ? new LineWriter(ctx.io.stdout) : undefined;
    const summary = new Summary();
    const emit = (r: RowResult): void => {
      summary.add(r);
      results?.write(r);
      stdout?.write(`${JSON.stringify(resultObject(r))}\n`);
    };
    const ready = (): Promise<void> | undefined => stdout?.ready();

    const { runSendPass } = await import('../batch/sender.js');
    const { resolveUnknowns } = await import('../batch/reconcile.js');
    const { backoffMs } = await import('../transport/client.js');
    progress = plan.requests > 0 ? await startProgress(out, plan.requests) : undefined;
    run.onInterrupt((signal) => {
      progress?.stop();
      const [why, again] = signal === 'SIGINT' ? ['', 'Ctrl-C again'] : [` (${signal} received)`, `a second ${signal} or Ctrl-C`];
      out.note(`Stopping${why}: no new rows are sent; waiting up to ${GRACE_MS / 1000} s for requests in flight (${again} to stop waiting).`);
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
    const resolutions = pass.toCheck.length > 0 ? await resolveUnknowns(pass.toCheck, sendCtx) : new Map<number, Resolution>();
    const result = await runSendPass(run.batch, sendCtx, resolutions, run.interrupted);
    // The pass is over: end any grace-period wait still pending, whose timer would otherwise keep
    // the process alive for up to GRACE_MS after a signal.
    run.hardStop.stop();
    progress?.stop();
    stdout?.flush();
    sending = false;
    const resultsFailure = results?.close();
    results = undefined;

    printSummary(run, summary, plan);
    if (resultsFailure) reportResultsFailure(run, resultsFailure, summary);
    return endOfBatch(run, result, summary, plan, journalPath !== undefined, resultsFailure !== undefined);
  } finally {
    progress?.stop();
    client?.close();
    results?.close();
    await journal?.close();
    loaded?.index.close();
  }
}

/**
 * The exit code of a batch once its summary is out, with how to resume one that did not finish.
 * A batch Plivo stopped (401, 429) ends in that error, and the way to resume follows it.
 */
function endOfBatch(run: BatchRun, result: SendPassResult, summary: Summary, plan: Plan, resumable: boolean, resultsFailed: boolean): number {
  const { out } = run;
  if (result.interrupted) {
    printLines(out, resumeHint(run, resumable, signalLead(run)));
    return run.interruptCode();
  }
  if (result.abort?.kind === 'auth') {
    throw new AuthError(
      'Plivo rejected the credentials (401); the batch stopped and the remaining rows were not sent.',
      'Check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (or authId / authToken in .plivorc, or the token authTokenCommand prints) against the Plivo console (plivo-send config show says where each comes from), then resume.',
      resumeHint(run, resumable),
    );
  }
  if (result.abort?.kind === 'rate-limited') {
    throw new RateLimitError(
      'Plivo kept rate limiting (429); the batch stopped and the remaining rows were not sent.',
      'Resume later (rows already sent are skipped), or lower --rate.',
      resumeHint(run, resumable),
    );
  }
  if (result.abort?.kind === 'journal') {
    out.warn(`The batch stopped: ${result.abort.message}. Rows after that point were not sent.`);
    printLines(out, resumeHint(run, resumable));
    return ExitCode.batchIncomplete;
  }
  if (resumable && (summary.unknown > 0 || summary.failed > 0) && !resultsFailed) printLines(out, resumeHint(run, resumable));
  return summary.sent + summary.suppressed === plan.rows && !resultsFailed ? ExitCode.ok : ExitCode.batchIncomplete;
}

/** Every file the run reads or writes besides `--results`, with what to call it. */
type RunFiles = Array<[string | undefined, string]>;

async function runFiles(run: BatchRun, journalPath: string | undefined): Promise<RunFiles> {
  const { ctx, flags } = run;
  const atFile = (value: string | undefined): string | undefined => (value?.startsWith('@') ? resolve(ctx.io.cwd, value.slice(1)) : undefined);
  return [
    [journalPath, 'journal'],
    [journalPath && (await lockPathOf(journalPath)), "journal's lock file"],
    [run.batch.input.isStdin ? undefined : resolve(ctx.io.cwd, flags.csv!), 'CSV'],
    [flags.config && resolve(ctx.io.cwd, flags.config), 'config file'],
    [atFile(flags.template), '--template file'],
    [atFile(flags.interactive), '--interactive file'],
    [atFile(flags.location), '--location file'],
  ];
}

function wouldOverwrite(run: BatchRun, what: string): UsageError {
  return new UsageError(
    `--results ${run.flags.results} would overwrite the ${what} (it is the same file under another name). Nothing was sent.`,
    'Give --results a path of its own.',
  );
}

/**
 * `--results` is emptied before anything is sent: it must not be another file of the run under
 * another name (a symlink, even a dangling one, or a hard link to the journal would destroy it).
 */
async function checkResultsPath(run: BatchRun, resultsPath: string, journalPath: string | undefined): Promise<void> {
  const results = await fileIdentity(resultsPath);
  for (const [path, what] of await runFiles(run, journalPath)) {
    if (path !== undefined && sameFile(results, await fileIdentity(path))) throw wouldOverwrite(run, what);
  }
}

function checkJournalHeader(found: JournalHeader, expected: JournalHeader, sandbox: boolean, path: string): void {
  const fresh = 'Resume with the same CSV and options as the original run, or start a new batch with a new --journal path.';
  if (found.type !== expected.type) {
    throw new JournalError(
      `The journal ${path} records a ${found.type} batch; this is ${expected.type}.`,
      `Resume with plivo-send ${found.type}, or start a new batch with a new --journal path.`,
    );
  }
  if (found.options_hash !== expected.options_hash) {
    const keys = new Set([...Object.keys(found.options ?? {}), ...Object.keys(expected.options)]);
    const changed = [...keys].filter((k) => JSON.stringify(found.options?.[k]) !== JSON.stringify(expected.options[k]));
    const names = changed.map((k) => (k === 'text_template' ? '--text' : k)).join(', ');
    throw new JournalError(
      `The journal ${path} was written with different message options (${names || 'options'}), so its rows would not be the same requests. Nothing was sent.`,
      fresh,
    );
  }
  // A sandbox is new each run: its account and port change, and nothing real was ever sent.
  if (!sandbox && (found.account !== expected.account || found.api_url !== expected.api_url)) {
    throw new JournalError(
      `The journal ${path} records a batch sent with account ${found.account} at ${found.api_url}; these credentials are for ${expected.account} at ${expected.api_url}.`,
      'Resume with the credentials (profile) of the original run: its rows can only be checked in that account.',
    );
  }
}

/**
 * Opens `--results`, checking the file actually opened against the run's other files (now that the
 * journal and its locks exist) before it is emptied: whatever raced with checkResultsPath.
 */
async function openResults(run: BatchRun, path: string, others: RunFiles, options: Omit<ResultsFileOptions, 'check'>): Promise<ResultsFile> {
  const inodes = new Map<string, string>();
  for (const [other, what] of others) {
    const inode = other === undefined ? undefined : (await fileIdentity(other)).inode;
    if (inode !== undefined) inodes.set(inode, what);
  }
  const check = (info: Stats): void => {
    const what = inodes.get(`${info.dev}:${info.ino}`);
    if (what !== undefined) throw wouldOverwrite(run, what);
  };
  try {
    return ResultsFile.open(path, { ...options, check });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot write the results file ${run.flags.results}: ${code === 'ENOENT' ? 'its directory does not exist' : describeSystemError(error)}. Nothing was sent.`,
      'Give --results a path in a directory you can write to.',
    );
  }
}

/** Results that could not be written: said, with the way to write them again (exit 6). */
function reportResultsFailure(run: BatchRun, error: Error, summary: Summary): void {
  const { out, flags, type } = run;
  const message = `Could not write the results file ${flags.results!}: ${describeSystemError(error)}; it is incomplete.`;
  if (flags.journal === undefined) {
    const hint = `There was no --journal, so the results were the only record: no row was sent after the failed write (requests already on their way were finished), and the summary above counts the ${plural(summary.sent, 'row')} sent. Check them in Plivo's message logs before sending any again, and use --journal next time.`;
    out.error(new CliError(message, { exitCode: ExitCode.batchIncomplete, code: 'results_not_written', hint }), false);
    return;
  }
  const command = resumeCommand(type, { ...flags, resume: undefined });
  const hint = `Every row's outcome is in the journal ${flags.journal}: once there is room, write them again (rows already sent are not sent again; give another --results path if this one cannot be written):\n    ${command}`;
  out.error(new CliError(message, { exitCode: ExitCode.batchIncomplete, code: 'results_not_written', hint }), false);
}

function signalLead(run: BatchRun): string {
  const code = run.interruptCode();
  return code === ExitCode.terminated
    ? 'The batch was terminated (SIGTERM).'
    : code === ExitCode.hangup
      ? 'The batch was stopped: its terminal hung up (SIGHUP).'
      : 'The batch was interrupted.';
}

/** Opens the journal to append (on resume) or creates it; a file that cannot be written is said plainly. */
async function openJournal(path: string, shown: string, header: JournalHeader, loaded: LoadedJournal | undefined): Promise<JournalWriter> {
  if (!loaded) return JournalWriter.create(path, header);
  try {
    const journal = await JournalWriter.append(path, loaded.validBytes);
    await journal.write({ t: 'resume', at: new Date().toISOString() });
    return journal;
  } catch (error) {
    throw journalNotWritable(shown, error);
  }
}

/** Checked before the plan pass: a resume that could not journal must not start sending. */
async function checkWritable(path: string, shown: string): Promise<void> {
  try {
    await access(path, constants.W_OK);
  } catch (error) {
    throw journalNotWritable(shown, error);
  }
}

function journalNotWritable(shown: string, error: unknown): JournalError {
  const denied = (error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EPERM';
  return new JournalError(
    `Cannot write the journal ${shown}: ${describeSystemError(error)}. Nothing was sent.`,
    denied
      ? `A resume appends to the journal: make it writable (chmod u+w ${shown}) and run the same command again.`
      : 'A resume appends to the journal: make it writable, then run the same command again.',
  );
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
/**
 * `--yes`, or a yes on the terminal. `price` shows the cost (and applies --max-cost) just before
 * the question; a run that cannot ask is refused first, without asking Plivo for prices.
 */
async function confirm(run: BatchRun, plan: Plan, price: () => Promise<void>): Promise<boolean> {
  const { ctx, flags, out } = run;
  if (flags.yes) {
    await price();
    return true;
  }
  const what = `${plural(plan.messages, 'message')} (${plural(plan.totalUnits, 'unit')})`;
  const terminal = await openTerminal(ctx.io);
  if (!terminal) {
    throw new RefusedError(
      `Sending ${what} needs confirmation, and there is no terminal to ask on. Nothing was sent.`,
      'Add --yes to send without asking (check the rows first with --dry-run).',
    );
  }
  try {
    await price();
  } catch (error) {
    terminal.close();
    throw error;
  }
  let answer: string | undefined;
  try {
    answer = await ask(terminal, `Send ${what}? [y/N] `, run.halt);
  } finally {
    terminal.close();
  }
  if (answer === undefined) return false;
  if (!/^y(es)?$/i.test(answer.trim())) throw new RefusedError('Nothing was sent: the batch was not confirmed.');
  if (!out.json) out.note('');
  return true;
}

/**
 * stdin and stderr when both are the terminal; else the controlling terminal itself, so that a CSV
 * piped in (`--csv -`) by a user at a terminal is still confirmed there.
 */
async function openTerminal(io: Io): Promise<Terminal | undefined> {
  if (io.stdin.isTTY === true && io.stderr.isTTY === true) return { input: io.stdin, output: io.stderr, close: () => undefined };
  return io.openTty?.();
}

async function ask(terminal: Terminal, question: string, halt: StopSignal): Promise<string | undefined> {
  terminal.output.write(question);
  const rl = createInterface({ input: terminal.input, terminal: false });
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
  /** Rows whose numbers are on a --suppress list: never sent, and not a failure. */
  suppressed = 0;
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
    else if (r.status !== 'suppressed' && this.notSent.length < 10) this.notSent.push(r);
  }
}

function printSummary(run: BatchRun, s: Summary, plan: Plan): void {
  const { out, flags } = run;
  // Every row gets a result (after a Ctrl-C too); any that did not would count as not reached.
  const notReached = s.notReached + Math.max(0, plan.rows - s.rows);
  if (out.json) {
    out.note(
      JSON.stringify({
        summary: {
          rows: plan.rows,
          sent: s.sent,
          failed: s.failed,
          invalid: s.invalid,
          unknown: s.unknown,
          suppressed: s.suppressed,
          units: s.units,
          not_reached: notReached,
        },
      }),
    );
    return;
  }
  const c = out.out;
  const mark = s.sent + s.suppressed === plan.rows ? c.green('✓') : c.yellow('!');
  out.line(`${mark} Sent ${formatCount(s.sent)} of ${plural(plan.rows, 'row')} · ${plural(s.units, 'unit')} sent`);
  if (s.suppressed > 0) out.line(`  ${plural(s.suppressed, 'row')} suppressed (--suppress): not sent, as asked`);
  if (s.sent + s.suppressed < plan.rows) {
    out.line(
      `  ${formatCount(s.failed)} failed · ${formatCount(s.invalid)} invalid · ${formatCount(s.unknown)} unknown${notReached > 0 ? ` · ${formatCount(notReached)} not reached` : ''}`,
    );
  }
  for (const r of s.notSent) out.line(`  row ${r.row} ${r.status}: ${r.error ?? ''}`);
  const more = s.rows - s.sent - s.suppressed - s.notReached - s.notSent.length;
  if (more > 0) out.line(`  … and ${formatCount(more)} more not sent${flags.results ? '' : ' (add --results <file> to list every row)'}`);
  if (flags.results) out.line(`  Results: ${flags.results}`);
  if (s.unknown > 0) {
    out.line(`  ${plural(s.unknown, 'row')} may have been queued (unknown): do not send ${s.unknown === 1 ? 'it' : 'them'} again before checking.`);
  }
}

/** What to do about a batch that did not finish: the command that resumes it, when it can be. */
function resumeHint(run: BatchRun, resumable: boolean, lead?: string): string[] {
  const { flags, type } = run;
  const prefix = lead ? `${lead} ` : '';
  if (!resumable) return [`${prefix}There was no --journal, so the batch cannot be resumed safely: the results show which rows were sent.`];
  const stdin = flags.csv === '-' ? ' (with the same CSV on stdin)' : '';
  return [
    `${prefix}To finish it${stdin} (rows already sent are skipped; unknown ones are looked up first):`,
    `  ${resumeCommand(type, { ...flags, resume: undefined })}`,
  ];
}

function printLines(out: Output, lines: readonly string[]): void {
  for (const line of lines) out.note(line);
}

/**
 * A request cut off by a crash may still be on its way through Plivo: its message would be missing
 * from the list for a moment and then be sent twice. So the lookups wait until the journal's last
 * write (taken before this run wrote anything: the crash or stop came after it) is older than the
 * request timeout (at most 30 s), the longest such a request could last. A row's `inflight` time
 * would not do: it is written before the rate limiter's wait and any retries and backoff, so its
 * request may have gone out long after it.
 */
function settleWaitMs(journalWrittenAt: number, settleMs: number, now: number): number {
  return Math.max(0, journalWrittenAt + settleMs - now);
}

async function settleUnknowns(count: number, journalWrittenAt: number, run: BatchRun): Promise<void> {
  const waitMs = settleWaitMs(journalWrittenAt, run.settleMs, Date.now());
  if (waitMs <= 0) return;
  run.out.note(
    `Waiting ${Math.ceil(waitMs / 1000)} s before checking ${count} unknown row(s) in Plivo's message list, so that requests cut off earlier have landed.`,
  );
  await systemClock.sleep(waitMs, run.halt);
}
