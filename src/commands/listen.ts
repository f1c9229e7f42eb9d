import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { ListenFlags } from '../flows/listen.js';
import { addCommonOptions, positiveNumber } from './options.js';

export function makeListenCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('listen')
    .description("Receive Plivo's message status callbacks and inbound messages, verifying their signatures")
    .option('--port <n>', 'port to listen on (default 8766; 0 picks a free one)', (v) =>
      v === '0' ? 0 : positiveNumber('--port', { integer: true, max: 65535 })(v),
    )
    .option('--host <address>', 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--public-url <url>', 'the URL Plivo calls when a tunnel or proxy sits in front (what it signs)')
    .option('--out <path>', 'also append every event to this file as JSON lines (fsynced; safe to read while it grows)');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Each signed callback is answered 200 at once and printed as one line (with --json, one JSON object:
{"event": "status" | "inbound", "received_at", …every parameter Plivo sent}); repeats of an event
(Plivo's retries) are recorded once. Unsigned or wrongly signed requests are answered 403.
Credentials: the auth token that signs the callbacks (PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN, or .plivorc).

Examples:
  $ plivo-send listen --port 8766 --out events.jsonl
  $ plivo-send listen --json --public-url https://abc123.ngrok.app
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text "Hi" --url http://127.0.0.1:8766/status`,
  );
  return cmd.action((flags: ListenFlags) => run(async () => (await import('../flows/listen.js')).runListen(ctx, flags), flags));
}
