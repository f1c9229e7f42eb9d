import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { SandboxFlags } from '../flows/sandbox.js';
import { positiveNumber } from './options.js';
import { TEST_NUMBERS } from '../sandbox/test-numbers.js';

export function makeSandboxCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('sandbox')
    .description('Run a local Plivo-compatible Message API for trying plivo-send and testing scripts and webhooks')
    .option('--port <n>', 'port on 127.0.0.1 (default 8765; 0 picks a free one)', (v) =>
      v === '0' ? 0 : positiveNumber('--port', { integer: true, max: 65535 })(v),
    )
    .option('--auth-id <id>', 'Auth ID to accept (default: generated)')
    .option('--auth-token <token>', 'Auth token to accept (default: generated)')
    .option('--delivery-delay <ms>', 'milliseconds between queued → sent → delivered (default 1000)', (v) =>
      v === '0' ? 0 : positiveNumber('--delivery-delay', { integer: true })(v),
    )
    .option('--inbound-url <url>', "message URL of the sandbox's numbers: where injected inbound messages are sent (e.g. plivo-send listen's)")
    .option('--no-rate-limit', "don't emulate Plivo's limits (300 requests per 5 seconds; 20 message list requests a minute)")
    .option('--json', 'print the URL and credentials as JSON')
    .addHelpText('after', () => sandboxHelp())
    .action((flags: SandboxFlags) => run(async () => (await import('../flows/sandbox.js')).runSandbox(ctx, flags), flags));
}

function sandboxHelp(): string {
  const rows = TEST_NUMBERS.map((t) => `  …${t.suffix}  ${t.state.padEnd(11)} error ${t.errorCode.padEnd(4)} ${t.meaning}`);
  return `
Test numbers (a destination ending in these digits ends in that state; any other is delivered):
${rows.join('\n')}

Use it from another shell:
  $ export PLIVO_API_URL=http://127.0.0.1:8765 PLIVO_AUTH_ID=<printed> PLIVO_AUTH_TOKEN=<printed>
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text "Hello" --wait

Inject an inbound message (someone writing to 14155550100), sent signed to the URL given, or to
--inbound-url (try it with plivo-send listen):
  $ curl -s -u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN" "$PLIVO_API_URL/v1/Account/$PLIVO_AUTH_ID/Sandbox/Inbound/" -d from=14155550101 -d to=14155550100 -d text="Hi back" -d url=http://127.0.0.1:8766/inbound`;
}
