import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from './options.js';
import { positiveNumber } from './options.js';
import { Output } from '../output.js';
import { UsageError } from '../errors.js';
import { TEST_NUMBERS } from '../sandbox/test-numbers.js';

interface SandboxFlags {
  port?: number;
  authId?: string;
  authToken?: string;
  deliveryDelay?: number;
  rateLimit?: boolean;
  json?: boolean;
}

export function makeSandboxCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('sandbox')
    .description('Run a local Plivo-compatible Message API for trying plivo-send and testing scripts and webhooks')
    .option('--port <n>', 'port on 127.0.0.1 (default 8765; 0 picks a free one)', (v) => (v === '0' ? 0 : positiveNumber('--port', { integer: true, max: 65535 })(v)))
    .option('--auth-id <id>', 'Auth ID to accept (default: generated)')
    .option('--auth-token <token>', 'Auth token to accept (default: generated)')
    .option('--delivery-delay <ms>', 'milliseconds between queued → sent → delivered (default 1000)', (v) => (v === '0' ? 0 : positiveNumber('--delivery-delay', { integer: true })(v)))
    .option('--no-rate-limit', "don't emulate Plivo's limits (300 requests per 5 seconds; 20 message list requests a minute)")
    .option('--json', 'print the URL and credentials as JSON')
    .addHelpText('after', () => sandboxHelp())
    .action((flags: SandboxFlags) => run(() => runSandbox(ctx, flags), flags));
}

function sandboxHelp(): string {
  const rows = TEST_NUMBERS.map((t) => `  …${t.suffix}  ${t.state.padEnd(11)} error ${t.errorCode.padEnd(4)} ${t.meaning}`);
  return `
Test numbers (a destination ending in these digits ends in that state; any other is delivered):
${rows.join('\n')}

Use it from another shell:
  $ export PLIVO_API_URL=http://127.0.0.1:8765 PLIVO_AUTH_ID=<printed> PLIVO_AUTH_TOKEN=<printed>
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text "Hello" --wait`;
}

async function runSandbox(ctx: Context, flags: SandboxFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const { startSandbox, PortInUseError } = await import('../sandbox/server.js');
  const port = flags.port ?? 8765;
  const sandbox = await startSandbox({
    port,
    authId: flags.authId,
    authToken: flags.authToken,
    deliveryDelayMs: flags.deliveryDelay,
    rateLimit: flags.rateLimit === false ? false : undefined,
    log: out.json ? undefined : (line) => out.note(out.err.dim(line)),
  }).catch((error: unknown) => {
    if (error instanceof PortInUseError) throw new UsageError(`Port ${port} on 127.0.0.1 is already in use (another sandbox, or another server).`, 'Stop what is using it, pick another port with --port <n>, or use --port 0 for a free one.');
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
    out.line(c.dim('Press Ctrl-C to stop.'));
  }
  await new Promise<void>((resolve) => {
    const stop = ctx.io.onInterrupt?.(() => resolve());
    if (!stop) resolve();
  });
  await sandbox.close();
  return 0;
}
