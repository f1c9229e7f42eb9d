/**
 * `config init | show | path`: saves verified credentials in the user config file, shows the
 * settings in effect and where each comes from, and names the config file that is used.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Context } from '../context.js';
import type { Io, Terminal } from '../io.js';
import { Output } from '../output.js';
import { AuthError, ConfigError, ExitCode, InterruptedError, NetworkError, RefusedError, UsageError } from '../errors.js';
import { readStdin } from '../input.js';
import { AUTH_ID_HINT, authIdProblem, describeOrigin, resolveSettings } from '../config/settings.js';
import { SETTING_KEYS, parseConfigFile } from '../config/file-schema.js';
import type { LoadedConfig } from '../config/load.js';
import { createClient } from './session.js';

interface CommonFlags {
  json?: boolean;
  debug?: boolean;
  profile?: string;
  config?: string;
}

export interface ConfigInitFlags extends CommonFlags {
  authId?: string;
  authToken?: string;
  src?: string;
  yes?: boolean;
}

export type ConfigShowFlags = CommonFlags;

// ---------------------------------------------------------------------------------------------
// config init

type Layer = Record<string, unknown>;

export async function runConfigInit(ctx: Context, flags: ConfigInitFlags): Promise<number> {
  const io = ctx.io;
  const out = new Output(io, flags.json === true);
  const { userConfigDir, userConfigFile } = await import('../config/load.js');
  const target = flags.config ? resolve(io.cwd, flags.config) : userConfigFile(io.homedir, io.env);
  const profile = flags.profile?.trim() || undefined;
  const where = profile ? `profile '${profile}' in ${target}` : target;
  const existing = await readExisting(target, flags.config !== undefined);
  const layer: Layer = profile ? ((existing.profiles as Record<string, Layer> | undefined)?.[profile] ?? {}) : existing;
  const saved = typeof layer.authId === 'string' ? layer.authId : undefined;
  const hasCredentials = layer.authId !== undefined || layer.authToken !== undefined || layer.authTokenCommand !== undefined;

  const terminal = flags.yes ? undefined : await openTerminal(io);
  let authId: string;
  let authToken: string;
  let src = flags.src;
  try {
    const same = flags.authId === saved && flags.authToken !== undefined && flags.authToken === layer.authToken;
    // Asked before anything else: saved credentials are never replaced without a yes.
    if (hasCredentials && !same && !flags.yes) {
      const what = `${where} already holds credentials${saved ? ` (Auth ID ${saved})` : ''}`;
      const hint = `Add --yes to replace them, or save these as another profile with --profile <name>.`;
      if (!terminal) throw new RefusedError(`${what}. Nothing was written.`, hint);
      const answer = await ask(terminal, `${what}. Replace them? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw new RefusedError(`Nothing was written: the saved credentials were kept.`, hint);
    }
    const asked = terminal !== undefined && (flags.authId === undefined || flags.authToken === undefined);
    if (asked && !out.json)
      terminal.output.write(`Your Auth ID and Auth Token are on the Plivo console's overview page (https://console.plivo.com/dashboard/).\n`);
    authId = (flags.authId ?? (terminal ? await ask(terminal, 'Auth ID: ') : '')).trim();
    authToken =
      flags.authToken === '-'
        ? firstLine(await readStdin(io, '--auth-token'))
        : (flags.authToken ?? (terminal ? await askSecret(terminal, 'Auth Token (not shown): ') : '')).trim();
    if (asked && src === undefined) src = (await ask(terminal, 'Default sender for --src (a number or sender ID; Enter for none): ')).trim() || undefined;
  } finally {
    terminal?.close();
  }
  const missing = [!authId && '--auth-id', !authToken && '--auth-token'].filter((f) => f !== false);
  if (missing.length > 0) {
    throw new UsageError(
      `config init needs the Auth ID and the Auth Token: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing, and ${flags.yes ? '--yes asks nothing' : terminal ? 'nothing was typed' : 'there is no terminal to ask on'}.`,
      'Give --auth-id and --auth-token (--auth-token - reads it from stdin, out of the process list), or run it on a terminal without --yes to be asked.',
    );
  }
  const problem = authIdProblem(authId, flags.authId !== undefined ? '--auth-id' : 'what was typed');
  if (problem !== undefined) throw new ConfigError(`${problem} Nothing was written.`, AUTH_ID_HINT, ExitCode.auth);

  const account = await verify(ctx, authId, authToken, out, flags.debug === true);
  const credit = account.cash_credits === undefined ? '' : `, cash credit ${Number(account.cash_credits).toFixed(2)}`;
  if (!out.json)
    out.note(
      `${out.err.green('✓')} Plivo accepted the credentials: account '${account.name ?? authId}'${account.account_type ? ` (${account.account_type})` : ''}${credit}.`,
    );

  const updated: Layer = { ...layer, authId, authToken, ...(src !== undefined ? { src } : {}) };
  delete updated.authTokenCommand; // one token source per layer: the one just verified
  // Merged: the other profiles and keys stay as they were.
  const config: Layer = profile ? { ...existing, profiles: { ...(existing.profiles ?? {}), [profile]: updated } } : updated;
  parseConfigFile(config, target); // what is written must load
  await writeConfig(target, config);
  if (flags.config === undefined) await makeUserDirPrivate(userConfigDir(io.homedir, io.env));

  const shadow = flags.config === undefined ? await shadowingFile(ctx, target) : undefined;
  if (out.json) {
    out.jsonLine({
      path: target,
      profile: profile ?? null,
      replaced: hasCredentials,
      account: { name: account.name ?? null, account_type: account.account_type ?? null, cash_credits: account.cash_credits ?? null },
    });
  } else {
    out.line(`${out.out.green('✓')} Saved ${profile ? `as profile '${profile}' in` : 'to'} ${target} (readable only by you).`);
    out.line(
      profile
        ? `  Use them with --profile ${profile}, or PLIVO_PROFILE=${profile}.`
        : '  plivo-send uses them from any directory; check with: plivo-send config show',
    );
  }
  const fromEnv = ['PLIVO_AUTH_ID', 'PLIVO_AUTH_TOKEN'].filter((name) => (io.env[name]?.trim() ?? '') !== '');
  if (profile === undefined && fromEnv.length > 0) {
    const both = fromEnv.length > 1;
    out.warn(
      `${fromEnv.join(' and ')} ${both ? 'are' : 'is'} set in this environment and take${both ? '' : 's'} precedence over the file: unset ${both ? 'them' : 'it'} to use what was saved.`,
    );
  }
  if (shadow !== undefined)
    out.warn(`From ${ctx.io.cwd}, ${shadow} is found first and is used instead of ${target}; use --config ${target}, or run from elsewhere.`);
  return ExitCode.ok;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** The file as it is (JSON only: it is rewritten), `{}` when there is none. Nothing is written when it cannot be read. */
async function readExisting(path: string, named: boolean): Promise<Layer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    const { describeReadError } = await import('../config/load.js');
    throw describeReadError(error, path, named ? '--config' : 'search');
  }
  if (text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `${path} is not JSON, and config init writes JSON only. Nothing was written.`,
      `Add the credentials to it by hand (see .plivorc.example), or write another file with --config <path>.json.`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${path} does not hold a JSON object. Nothing was written.`, 'Fix it, or write another file with --config <path>.');
  parseConfigFile(raw, path);
  return raw as Layer;
}

interface Account {
  name?: string;
  account_type?: string;
  cash_credits?: string;
}

/** `GET /v1/Account/{auth_id}/` with the new credentials (at PLIVO_API_URL when set). */
async function verify(ctx: Context, authId: string, authToken: string, out: Output, debug: boolean): Promise<Account> {
  const settings = resolveSettings({ file: {}, env: ctx.io.env, flags: {} });
  const client = await createClient(ctx, { authId, authToken, apiUrl: settings.apiUrl }, settings, out, debug);
  try {
    return await client.getAccount();
  } catch (error) {
    if (error instanceof AuthError) {
      throw new AuthError(
        `Plivo rejected the Auth ID and Auth Token (401). Nothing was written.`,
        'Copy both again from the Plivo console (https://console.plivo.com/dashboard/); a subaccount uses its own Auth ID (SA…) and token.',
      );
    }
    if (error instanceof NetworkError)
      throw new NetworkError(
        `Could not verify the credentials: ${error.message.replace(/\.?$/, '.')} Nothing was written.`,
        'failed',
        'Check the network, PLIVO_API_URL and any proxy settings, then run config init again.',
      );
    throw error;
  }
}

/**
 * Written whole to a private temporary file, then renamed over: never half a file, never readable
 * by others. A symlink (a config file kept in a dotfiles repository) is written through: the file
 * it points to is replaced, the link stays.
 */
async function writeConfig(path: string, config: Layer): Promise<void> {
  let target = path;
  try {
    target = await linkTarget(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(temporary, 0o600);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  } catch (error) {
    const shown = target === path ? path : `${path} (a link to ${target})`;
    throw new ConfigError(
      `Cannot write ${shown}: ${(error as Error).message}`,
      'Check that its directory is writable, or write another file with --config <path>.',
    );
  }
}

/** The file a path names once symlinks are followed; a link to a file not there yet names that file. */
async function linkTarget(path: string): Promise<string> {
  for (let hops = 0; hops < 40; hops++) {
    let info;
    try {
      info = await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Not there: its directory may still hold links.
      return join(await realpath(dirname(path)).catch(() => dirname(path)), basename(path));
    }
    if (!info.isSymbolicLink()) return join(await realpath(dirname(path)), basename(path));
    path = resolve(dirname(path), await readlink(path));
  }
  throw new Error('too many levels of symbolic links');
}

/**
 * The user config directory is private (700), as README says: one that exists already (made by
 * hand, at 755) is tightened when it is the user's own. Another user's directory is left alone.
 */
async function makeUserDirPrivate(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) !== 0) await chmod(dir, info.mode & 0o700);
  } catch {
    // Not there (the file was written elsewhere through a link) or not ours: nothing to tighten.
  }
}

/** A config file found before the user config file from the working directory (a project's .plivorc). */
async function shadowingFile(ctx: Context, target: string): Promise<string | undefined> {
  try {
    const { loadConfig } = await import('../config/load.js');
    const found = await loadConfig({ cwd: ctx.io.cwd, homedir: ctx.io.homedir, env: ctx.io.env });
    return found.filepath !== undefined && found.filepath !== target ? found.filepath : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Questions on the terminal

/** stdin and stderr when both are the terminal; else the controlling terminal, if any. */
async function openTerminal(io: Io): Promise<Terminal | undefined> {
  if (io.stdin.isTTY === true && io.stderr.isTTY === true) return { input: io.stdin, output: io.stderr, close: () => undefined };
  return io.openTty?.();
}

async function ask(terminal: Terminal, question: string): Promise<string> {
  terminal.output.write(question);
  const rl = createInterface({ input: terminal.input, terminal: false });
  try {
    return await new Promise<string>((resolveLine) => {
      rl.once('line', resolveLine);
      rl.once('close', () => resolveLine(''));
    });
  } finally {
    rl.close();
  }
}

// eslint-disable-next-line no-control-regex -- ESC is what the pattern is about
const ESCAPE_SEQUENCE = /\u001b(\[[0-9;]*[A-Za-z~]|.)?/g;

type TtyInput = Readable & { setRawMode?: (raw: boolean) => unknown };

/** Reads a line without echoing it (raw mode); Ctrl-C stops, Backspace and Ctrl-U edit. */
async function askSecret(terminal: Terminal, question: string): Promise<string> {
  const input = terminal.input as TtyInput;
  if (typeof input.setRawMode !== 'function') return ask(terminal, question);
  // Raw (no echo) before the question shows: an answer typed at once must not be echoed.
  input.setRawMode(true);
  terminal.output.write(question);
  input.setEncoding('utf8');
  return new Promise<string>((resolveSecret, reject) => {
    let value = '';
    const finish = (settle: () => void) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      terminal.output.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      // Arrow keys and the like arrive as escape sequences: none belongs in a token.
      for (const ch of chunk.replace(ESCAPE_SEQUENCE, '')) {
        if (ch === '\r' || ch === '\n') return finish(() => resolveSecret(value));
        if (ch === '\u0003') return finish(() => reject(new InterruptedError('Stopped: nothing was written.')));
        if (ch === '\u0004' && value === '') return finish(() => resolveSecret(''));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

// ---------------------------------------------------------------------------------------------
// config show, config path

async function load(ctx: Context, flags: CommonFlags, out: Output): Promise<LoadedConfig> {
  const loader = ctx.loadConfig ?? (await import('../config/load.js')).loadConfig;
  const loaded = await loader({ cwd: ctx.io.cwd, homedir: ctx.io.homedir, path: flags.config, env: ctx.io.env });
  for (const warning of loaded.warnings) out.warn(warning);
  return loaded;
}

/** Enough of a token to tell two apart, never enough to use: the last 4 characters of a long one. */
export function maskToken(token: string): string {
  return token.length >= 20 ? `${'*'.repeat(16)}${token.slice(-4)}` : '*'.repeat(8);
}

export async function runConfigShow(ctx: Context, flags: ConfigShowFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const loaded = await load(ctx, flags, out);
  const settings = resolveSettings({ file: loaded.config, filepath: loaded.filepath, env: ctx.io.env, flags: {}, profileFlag: flags.profile });
  for (const warning of settings.warnings) out.warn(warning);
  const keys = SETTING_KEYS.filter((key) => key === 'authId' || key === 'authToken' || settings[key] !== undefined);
  const shown = (key: (typeof keys)[number]): unknown =>
    key === 'authToken' && settings.authToken !== undefined ? maskToken(settings.authToken) : settings[key];
  const profileSource = settings.profile === undefined ? undefined : flags.profile ? 'flag' : 'PLIVO_PROFILE';
  if (out.json) {
    const entries = keys.map((key): [string, unknown] => [
      key,
      { value: shown(key) ?? null, source: settings.sources[key] ?? null, from: describeOrigin(settings, key) },
    ]);
    out.jsonLine({
      file: loaded.filepath ?? null,
      profile: settings.profile === undefined ? null : { name: settings.profile, from: profileSource },
      settings: Object.fromEntries(entries),
    });
    return ExitCode.ok;
  }
  const c = out.out;
  const width = Math.max(...keys.map((k) => k.length), 'config file'.length) + 2;
  const row = (name: string, value: string, from: string) => out.line(`${c.bold(name.padEnd(width))}${value}${from ? `  ${c.dim(`(${from})`)}` : ''}`);
  row('config file', loaded.filepath ?? 'none found', '');
  row('profile', settings.profile ?? 'none', profileSource ?? '');
  for (const key of keys) {
    const value = shown(key);
    row(key, value === undefined ? 'not set' : showValue(key, value), value === undefined ? '' : describeOrigin(settings, key));
  }
  if (settings.authTokenCommand !== undefined && settings.authToken === undefined)
    out.line(c.dim('The auth token comes from authTokenCommand, run only when a command needs it.'));
  else if (settings.authId === undefined || settings.authToken === undefined)
    out.line(c.dim('No credentials yet: run plivo-send config init, or set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN.'));
  return ExitCode.ok;
}

/** A value as a person reads it: a command as it would be typed, other lists and objects as JSON. */
function showValue(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (key !== 'authTokenCommand' || !Array.isArray(value)) return JSON.stringify(value);
  return value.map((word) => (/^[\w@%+=:,./-]+$/.test(String(word)) ? String(word) : `'${String(word).replaceAll("'", `'\\''`)}'`)).join(' ');
}

export async function runConfigPath(ctx: Context, flags: ConfigShowFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const loaded = await load(ctx, flags, out);
  const { userConfigFile } = await import('../config/load.js');
  const user = userConfigFile(ctx.io.homedir, ctx.io.env);
  if (out.json) {
    out.jsonLine({ path: loaded.filepath ?? null, user_config: user });
  } else if (loaded.filepath !== undefined) {
    out.line(loaded.filepath);
  } else {
    out.note(`No config file found from ${ctx.io.cwd}. plivo-send config init writes ${user}.`);
  }
  return loaded.filepath === undefined && !out.json ? ExitCode.invalid : ExitCode.ok;
}
