/**
 * What every flow that talks to Plivo sets up first: the settings (config file, environment,
 * flags), the message options they give, the HTTP client, and `--sandbox`'s local Plivo.
 */
import type { Context } from '../context.js';
import type { SendFlags } from './flags.js';
import type { Output } from '../output.js';
import type { MessageOptions, MessageType } from '../core/message.js';
import type { NumberRules } from '../core/phone.js';
import { resolveSettings, type Credentials, type Settings } from '../config/settings.js';
import type { PlivoClient } from '../transport/client.js';

/** Content fields a command adds to the shared ones (media, WhatsApp objects). */
export type ContentOptions = Pick<MessageOptions, 'mediaUrls' | 'mediaIds' | 'template' | 'interactive' | 'location'>;

export async function loadSettings(ctx: Context, flags: SendFlags, out: Output): Promise<Settings> {
  const load = ctx.loadConfig ?? (await import('../config/load.js')).loadConfig;
  const loaded = await load({ cwd: ctx.io.cwd, homedir: ctx.io.homedir, path: flags.config, env: ctx.io.env });
  for (const warning of loaded.warnings) out.warn(warning);
  const settings = resolveSettings({
    file: loaded.config,
    filepath: loaded.filepath,
    env: ctx.io.env,
    profileFlag: flags.profile,
    flags: {
      src: flags.src,
      powerpackUuid: flags.powerpackUuid,
      url: flags.url,
      method: flags.method,
      log: flags.log,
      trackable: flags.trackable,
      messageExpiry: flags.messageExpiry,
      dltEntityId: flags.dltEntityId,
      dltTemplateId: flags.dltTemplateId,
      dltTemplateCategory: flags.dltTemplateCategory,
      smartEncoding: flags.smartEncoding,
      timeout: flags.timeout,
      concurrency: flags.concurrency,
      rate: flags.rate,
      settle: flags.settle,
      country: flags.country,
      suppress: flags.suppress,
      // --no-number-check only: commander's default (true) must not beat a config file's false.
      numberCheck: flags.numberCheck === false ? false : undefined,
    },
  });
  for (const warning of settings.warnings) out.warn(warning);
  return settings;
}

/** Message options from settings (flags already merged in), plus per-command content. */
export function messageOptions(
  type: MessageType,
  settings: Settings,
  flags: SendFlags,
  text: string | undefined,
  content: ContentOptions,
  numbers?: NumberRules,
): MessageOptions {
  // India DLT registration and GSM-7 look-alikes are SMS matters: a config file's values for them
  // do not reach WhatsApp messages (the flags are refused for whatsapp, see flows/whatsapp.ts).
  const smsOnly =
    type === 'whatsapp'
      ? {}
      : {
          dltEntityId: settings.dltEntityId,
          dltTemplateId: settings.dltTemplateId,
          dltTemplateCategory: settings.dltTemplateCategory,
          smartEncoding: settings.smartEncoding,
        };
  return {
    type,
    src: settings.src,
    powerpackUuid: settings.powerpackUuid,
    dst: flags.dst,
    numbers,
    text,
    url: settings.url,
    method: settings.method,
    log: settings.log,
    trackable: settings.trackable,
    messageExpiry: settings.messageExpiry,
    ...smsOnly,
    ...content,
  };
}

export async function createClient(
  ctx: Context,
  credentials: Credentials,
  settings: Settings,
  out: Output,
  debug: boolean,
  maxSockets?: number,
): Promise<PlivoClient> {
  const { PlivoClient } = await import('../transport/client.js');
  return new PlivoClient({
    ...credentials,
    version: ctx.version,
    timeoutSeconds: settings.timeout,
    maxRetries: settings.retries,
    env: ctx.io.env,
    maxSockets,
    onDebug: debug ? (line) => out.note(line) : undefined,
    onRetry: ({ attempt, delayMs, reason }) => {
      if (!out.json || debug) out.note(`Retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1}): ${reason}`);
    },
  });
}

/**
 * A client for the account the settings name (credentials from the config, the environment or
 * authTokenCommand), for the commands that read Plivo and have no --sandbox.
 */
export async function accountClient(ctx: Context, settings: Settings, out: Output, debug: boolean): Promise<PlivoClient> {
  const { resolveCredentials } = await import('../config/credentials.js');
  return createClient(ctx, await resolveCredentials(settings, { env: ctx.io.env, cwd: ctx.io.cwd, sandbox: false }), settings, out, debug);
}

/** `--sandbox`: a throwaway in-process Plivo on a free loopback port. */
export interface SandboxSession {
  credentials: Credentials;
  close(): Promise<void>;
}

export async function startLocalSandbox(out: Output, deliveryDelayMs = 300): Promise<SandboxSession> {
  const { startSandbox } = await import('../sandbox/server.js');
  // No emulated limits (rateLimit false turns off both): the quickstart stays fast.
  const sandbox = await startSandbox({ port: 0, deliveryDelayMs, rateLimit: false });
  if (!out.json) out.note(out.err.dim(`Sandbox: sending to a local Plivo at ${sandbox.url}; no real message leaves this machine.`));
  return {
    credentials: { authId: sandbox.authId, authToken: sandbox.authToken, apiUrl: sandbox.url },
    close: () => sandbox.close(),
  };
}
