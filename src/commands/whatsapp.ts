import { Command } from 'commander';
import type { Context } from '../context.js';
import { addSendOptions, collect } from './options.js';
import type { SendFlags } from '../flows/flags.js';

export function makeWhatsappCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('whatsapp')
    .description('Send a WhatsApp message: free-form text or media, a template, an interactive message or a location')
    .option('--media-url <url>', 'one image, video, document or audio URL (with --text as its caption, up to 1,024 characters)', collect)
    .option('--template <json|@file|->', 'template message object (Plivo shape): inline JSON, @file or - for stdin')
    .option('--template-name <name>', 'shortcut: build a template from its name…')
    .option('--template-language <code>', '…its language (e.g. en_US)…')
    .option('--param <text>', '…and its body text parameters, in order (repeatable)', collect)
    .option('--interactive <json|@file|->', 'interactive message object (button, list, cta_url)')
    .option('--location <json|@file|->', 'location object: {"latitude","longitude","name","address"} as strings');
  addSendOptions(cmd, {
    textHelp: 'free-form text (up to 4,096 characters), or - to read stdin',
    sender: 'whatsapp',
  });
  cmd.addHelpText(
    'after',
    `
Free-form text, media and interactive messages reach only users with an open 24-hour conversation;
templates can start one.

Examples:
  $ plivo-send whatsapp --src 14155550100 --dst 14155550101 --text "Your order has shipped"
  $ plivo-send whatsapp --src 14155550100 --dst 14155550101 --template @examples/template.json
  $ plivo-send whatsapp --src 14155550100 --dst 14155550101 --template-name order_update --template-language en_US --param Ada --param 4417
  $ plivo-send whatsapp --src 14155550100 --dst 14155550101 --interactive @examples/interactive-buttons.json
  $ plivo-send whatsapp --src 14155550100 --dst 14155550101 --location '{"latitude":"37.7749","longitude":"-122.4194","name":"HQ","address":"1 Market St"}'`,
  );
  return cmd.action((flags: SendFlags) => run(async () => (await import('../flows/whatsapp.js')).sendWhatsapp(ctx, flags), flags));
}
