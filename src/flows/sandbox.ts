/** `sandbox`: runs the local Plivo-compatible Message API until Ctrl-C. */
import type { Context } from '../context.js';
import { Output } from '../output.js';
import { ExitCode, signalExitCode, UsageError } from '../errors.js';
import type { InterruptSignal } from '../io.js';
import { isHttpUrl } from '../core/url.js';

export interface SandboxFlags {
  port?: number;
  authId?: string;
  authToken?: string;
  deliveryDelay?: number;
  inboundUrl?: string;
  rateLimit?: boolean;
  json?: boolean;
}

export async function runSandbox(ctx: Context, flags: SandboxFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const { startSandbox, PortInUseError } = await import('../sandbox/server.js');
  const port = flags.port ?? 8765;
  if (flags.inboundUrl !== undefined && !isHttpUrl(flags.inboundUrl)) {
    throw new UsageError(
      `--inbound-url must be an absolute http(s) URL (got '${flags.inboundUrl}').`,
      'For plivo-send listen on this machine: --inbound-url http://127.0.0.1:8766/',
    );
  }
  const sandbox = await startSandbox({
    port,
    authId: flags.authId,
    authToken: flags.authToken,
    deliveryDelayMs: flags.deliveryDelay,
    inboundUrl: flags.inboundUrl,
    rateLimit: flags.rateLimit === false ? false : undefined,
    log: out.json ? undefined : (line) => out.note(out.err.dim(line)),
  }).catch((error: unknown) => {
    if (error instanceof PortInUseError)
      throw new UsageError(
        `Port ${port} on 127.0.0.1 is already in use (another sandbox, or another server).`,
        'Stop what is using it, pick another port with --port <n>, or use --port 0 for a free one.',
      );
    throw error;
  });
  if (out.json) {
    out.jsonLine({ url: sandbox.url, auth_id: sandbox.authId, auth_token: sandbox.authToken });
  } else {
    const c = out.out;
    out.line(`${c.green('●')} Plivo sandbox listening on ${c.bold(sandbox.url)}`);
    out.line('');
    out.line(`  export PLIVO_API_URL=${sandbox.url}`);
    out.line(`  export PLIVO_AUTH_ID=${sandbox.authId}`);
    out.line(`  export PLIVO_AUTH_TOKEN=${sandbox.authToken}`);
    out.line('');
    out.line(c.dim(`Inbound messages: POST ${sandbox.url}/v1/Account/${sandbox.authId}/Sandbox/Inbound/ with from, to, text`));
    out.line(c.dim(`  and url (${flags.inboundUrl === undefined ? 'where to send it; or start with --inbound-url' : `default ${flags.inboundUrl}`}).`));
    out.line(c.dim('Press Ctrl-C to stop.'));
  }
  // Stopped by a signal, cleanly: the exit code names it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: cli-contract).
  const signal = await new Promise<InterruptSignal | undefined>((resolve) => {
    const stop = ctx.io.onInterrupt?.((received) => resolve(received));
    if (!stop) resolve(undefined);
  });
  await sandbox.close();
  return signal === undefined ? ExitCode.ok : signalExitCode(signal);
}
