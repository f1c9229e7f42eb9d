import { Command } from 'commander';
import type { Context } from '../context.js';
import { addSendOptions, collect } from './options.js';
import type { SendFlags } from '../flows/flags.js';

export function makeMmsCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('mms')
    .description('Send an MMS with images, video or other media (US and Canada)')
    .option('--media-url <url>', 'attachment URL, http(s); repeat, or join with commas (1-10 with --media-id)', collect)
    .option('--media-id <id>', "attachment uploaded with Plivo's Media API; repeatable", collect);
  addSendOptions(cmd, { textHelp: 'optional message text, or - to read stdin (up to 1,600 characters)' });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ plivo-send mms --src 14155550100 --dst 14155550101 --media-url https://example.com/cat.jpg --text "Look"
  $ plivo-send mms --src 14155550100 --dst 14155550101 --media-url https://a.example/1.png --media-id 801c2056-33ab-499c-80ef-58b574a462a2`,
  );
  // The send flow (zod, got, cosmiconfig) loads only when the command runs.
  return cmd.action((flags: SendFlags) =>
    run(async () => (await import('../flows/send.js')).runSend(ctx, 'mms', flags, { mediaUrls: flags.mediaUrl, mediaIds: flags.mediaId }), flags),
  );
}
