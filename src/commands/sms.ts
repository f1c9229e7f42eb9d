import { Command } from 'commander';
import type { Context } from '../context.js';
import { addSendOptions } from './options.js';
import type { SendFlags } from '../flows/flags.js';

export function makeSmsCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('sms').description('Send an SMS');
  addSendOptions(cmd, { textHelp: 'message text, or - to read stdin (GSM-7 up to 1,600 characters, UCS-2 up to 737 code units)' });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text "Your code is 123456"
  $ plivo-send sms --powerpack-uuid 2f6c4a9e-1b7d-4c1e-9a5f-3d2b8e7c6a10 --dst "14155550101<14155550102" --text "Sale ends today"
  $ echo "Meet at 6" | plivo-send sms --src 14155550100 --dst 14155550101 --text -
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text "Hi" --dry-run --json
  $ plivo-send sms --src 14155550100 --dst 14155550101 --text=--yes    # a text that is itself a flag name
  $ plivo-send sms --csv people.csv --src 14155550100 --text 'Hi {{name}}, code {{code}}' --yes`,
  );
  // The send flow (zod, got, cosmiconfig) loads only when the command runs.
  return cmd.action((flags: SendFlags) => run(async () => (await import('../flows/send.js')).runSend(ctx, 'sms', flags, {}), flags));
}
