import { Command } from 'commander';
import type { Context } from '../context.js';
import { addSendOptions, collect, type SendFlags } from './options.js';
import { runSend, type ContentOptions } from './send.js';
import { readJsonOption } from '../input.js';
import { buildTemplate } from '../core/whatsapp.js';
import { ValidationError, type Problem } from '../errors.js';

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
  addSendOptions(cmd, { textHelp: 'free-form text (up to 4,096 characters), or - to read stdin' });
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
  return cmd.action((flags: SendFlags) => run(async () => runSend(ctx, 'whatsapp', flags, await whatsappContent(ctx, flags)), flags));
}

async function whatsappContent(ctx: Context, flags: SendFlags): Promise<ContentOptions> {
  const stdinUsers = [flags.text, flags.template, flags.interactive, flags.location].filter((v) => v === '-').length;
  if (stdinUsers > 1) throw new ValidationError([{ field: 'stdin', message: 'only one option can read stdin (-) at a time' }]);
  const problems: Problem[] = [];
  let template = await readJsonOption(flags.template, 'template', ctx.io);
  const shortcut = flags.templateName !== undefined || flags.templateLanguage !== undefined || flags.param !== undefined;
  if (shortcut) {
    if (template !== undefined) problems.push({ field: 'template', message: 'give either --template or --template-name/--template-language/--param, not both' });
    else if (flags.templateName === undefined || flags.templateLanguage === undefined) {
      problems.push({ field: 'template', message: '--template-name and --template-language go together (and --param needs both)' });
    } else template = buildTemplate(flags.templateName, flags.templateLanguage, flags.param ?? []);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    mediaUrls: flags.mediaUrl,
    template,
    interactive: await readJsonOption(flags.interactive, 'interactive', ctx.io),
    location: await readJsonOption(flags.location, 'location', ctx.io),
  };
}
