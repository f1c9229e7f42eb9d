/** `listen`: receives Plivo's status callbacks and inbound messages until Ctrl-C, one line per event. */
import type { Context } from '../context.js';
import type { SendFlags } from './flags.js';
import { Output } from '../output.js';
import { loadSettings } from './session.js';
import { isHttpUrl } from '../core/url.js';
import { plural, formatCount } from '../core/format.js';
import { explainErrorCode } from '../transport/explain.js';
import { describeSystemError, ExitCode, signalExitCode, UsageError } from '../errors.js';
import type { InterruptSignal } from '../io.js';
import type { ListenEvent } from '../listen/events.js';
import type { EventRecorder } from '../listen/record.js';
import type { Rejection } from '../listen/server.js';
import { resolveCredentials } from '../config/credentials.js';

export interface ListenFlags extends Pick<SendFlags, 'json' | 'debug' | 'profile' | 'config'> {
  port?: number;
  host?: string;
  publicUrl?: string;
  out?: string;
}

export const LISTEN_DEFAULT_PORT = 8766;
const SUCCESS = new Set(['delivered', 'read']);
const FAILURE = new Set(['failed', 'undelivered', 'rejected']);

export async function runListen(ctx: Context, flags: ListenFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const publicUrl = parsePublicUrl(flags.publicUrl);
  const settings = await loadSettings(ctx, flags, out);
  const credentials = await resolveCredentials(settings, { env: ctx.io.env, cwd: ctx.io.cwd, sandbox: false });
  const port = flags.port ?? LISTEN_DEFAULT_PORT;
  const host = flags.host ?? '127.0.0.1';

  const { EventRecorder } = await import('../listen/record.js');
  const { startListener } = await import('../listen/server.js');
  const recorder = openRecorder(EventRecorder, flags.out);
  for (const warning of recorder.warnings) out.warn(warning);
  const counts = { recorded: 0, repeats: 0, rejected: 0 };
  const listener = await startListener({
    port,
    host,
    authToken: credentials.authToken,
    publicUrl,
    onEvent: (event) => {
      if (!recorder.record(event)) {
        counts.repeats += 1;
        if (!out.json) out.note(out.err.dim(`↻ ${describeRepeat(event)} again (Plivo retried it): recorded once`));
        return;
      }
      counts.recorded += 1;
      if (out.json) out.jsonLine(event);
      else out.line(formatEvent(out, event));
    },
    log: flags.debug ? (line) => out.note(out.err.dim(line)) : undefined,
    onRejected: (rejection) => {
      counts.rejected += 1;
      printRejection(out, rejection);
    },
  }).catch((error: unknown) => {
    recorder.close();
    throw listenError(error, port, host);
  });

  printListening(out, listener.url, { publicUrl, out: flags.out, authId: credentials.authId, host });
  // Stopped by a signal, cleanly: the exit code names it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: cli-contract).
  const signal = await new Promise<InterruptSignal | undefined>((resolve) => {
    const stop = ctx.io.onInterrupt?.((received) => {
      stop?.();
      resolve(received);
    });
    if (!stop) resolve(undefined);
  });
  await listener.close();
  recorder.close();
  if (!out.json) {
    const repeats = counts.repeats > 0 ? `, ${plural(counts.repeats, 'repeat')} ignored` : '';
    const rejected = counts.rejected > 0 ? `, ${formatCount(counts.rejected)} rejected` : '';
    out.note(`Stopped: ${plural(counts.recorded, 'event')} recorded${repeats}${rejected}.`);
  }
  return signal === undefined ? ExitCode.ok : signalExitCode(signal);
}

function parsePublicUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  if (!isHttpUrl(value)) {
    throw new UsageError(
      `--public-url must be an absolute http(s) URL (got '${value}').`,
      'Give the URL Plivo calls, as your tunnel or proxy prints it, e.g. --public-url https://abc123.ngrok.app',
    );
  }
  return new URL(value);
}

function openRecorder(Recorder: typeof EventRecorder, path: string | undefined): EventRecorder {
  try {
    return new Recorder(path);
  } catch (error) {
    throw new UsageError(
      `Cannot open --out ${path ?? ''}: ${describeSystemError(error)}.`,
      'Check that the directory exists and is writable, or pick another path.',
    );
  }
}

function listenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new UsageError(
      `Port ${port} on ${host} is already in use (another listen, or another server); nothing was received or written.`,
      'Stop what is using it, or pick another port with --port <n> (and point the callback URL at it).',
    );
  }
  if (code === 'EACCES')
    return new UsageError(`Not allowed to listen on port ${port} (ports below 1024 need privileges).`, 'Pick a port from 1024 up with --port <n>.');
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new UsageError(
      `Cannot listen on --host ${host}: ${describeSystemError(error)}.`,
      'Give an address of this machine, e.g. 127.0.0.1 or 0.0.0.0 (all interfaces).',
    );
  }
  return error;
}

function printListening(out: Output, url: string, info: { publicUrl: URL | undefined; out: string | undefined; authId: string; host: string }): void {
  if (out.json) {
    const listening: Record<string, string> = { url };
    if (info.publicUrl) listening.public_url = info.publicUrl.toString();
    if (info.out !== undefined) listening.out = info.out;
    out.io.stderr.write(`${JSON.stringify({ listening })}\n`);
    return;
  }
  const c = out.err;
  const callbackUrl = info.publicUrl ? info.publicUrl.toString() : `${url}/`;
  out.note(`${c.green('●')} Listening for Plivo callbacks on ${c.bold(url)}`);
  out.note(`  Signatures are checked with the auth token of ${info.authId}; anything else is answered 403.`);
  out.note(`  Send with --url ${callbackUrl} (status callbacks) or set it as your number's message URL (inbound).`);
  if (!info.publicUrl && isLoopback(info.host)) {
    out.note(c.dim(`  Plivo reaches this machine only through a tunnel: run one (e.g. ngrok http ${new URL(url).port}) and give its URL with --public-url.`));
  }
  if (info.out !== undefined) out.note(`  Appending events to ${info.out} (JSON lines).`);
  out.note(c.dim('Press Ctrl-C to stop.'));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function printRejection(out: Output, r: Rejection): void {
  if (out.json) return void out.io.stderr.write(`${JSON.stringify({ rejected: r })}\n`);
  out.note(`${out.err.red('✗')} ${r.status} ${clean(r.method)} ${clean(r.path)} from ${r.from}: ${clean(r.reason)}`);
}

/** Text from the network on a terminal: control characters (escape sequences) shown as `\uXXXX`. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `$0.0050` from Plivo's `0.00500`: at least four decimals, no trailing zeros past them. */
function money(amount: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(amount ?? '');
  if (!m) return amount === undefined || amount === '' ? undefined : `$${clean(amount)}`;
  let decimals = m[2]!;
  while (decimals.length > 4 && decimals.endsWith('0')) decimals = decimals.slice(0, -1);
  return `$${m[1]!}.${decimals.padEnd(4, '0')}`;
}

function units(value: string | undefined): string | undefined {
  const n = Number(value);
  return value === undefined || value === '' || !Number.isInteger(n) ? undefined : plural(n, 'unit');
}

/**
 * `✓ delivered 14155550101 · 1 unit · $0.0050 · <uuid>` for a status callback;
 * `← sms from 14155550101 to 14155550100 · "Hi" · <uuid>` for an inbound message.
 */
export function formatEvent(out: Output, event: ListenEvent): string {
  const c = out.out;
  const parts: Array<string | undefined> = [];
  let head: string;
  if (event.event === 'inbound') {
    head = `${c.bold('←')} ${clean(event.Type ?? 'message')} from ${clean(event.From ?? '?')} to ${clean(event.To ?? '?')}`;
    // JSON-quoted: the sender's text on one line, its control characters escaped.
    parts.push(event.Text === undefined || event.Text === '' ? c.dim('(no text)') : JSON.stringify(event.Text));
    const media = Number(event.MediaCount ?? 0);
    if (media > 0) parts.push(plural(media, 'attachment'));
  } else {
    const status = event.Status ?? '';
    const mark = SUCCESS.has(status) ? c.green('✓') : FAILURE.has(status) ? c.red('✗') : c.yellow('…');
    head = `${mark} ${c.bold(clean(status))} ${clean(event.To ?? '')}`.trimEnd();
    if (event.ErrorCode && event.ErrorCode !== '000') parts.push(`error ${clean(event.ErrorCode)}: ${explainErrorCode(event.ErrorCode) ?? 'unknown code'}`);
  }
  parts.push(units(event.Units), money(event.TotalAmount), event.MessageUUID ? clean(event.MessageUUID) : undefined);
  return [head, ...parts.filter((p) => p !== undefined)].join(' · ');
}

function describeRepeat(event: ListenEvent): string {
  const uuid = clean(event.MessageUUID ?? '');
  return event.event === 'inbound' ? `inbound ${uuid}` : `${clean(event.Status ?? '')} #${clean(event.Sequence ?? '')} of ${uuid}`;
}
