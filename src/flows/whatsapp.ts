/** The whatsapp command's action: its content options read and checked, then the shared send flow. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import type { Io } from '../io.js';
import { flagConflict, type SendFlags } from './flags.js';
import { runSend } from './send.js';
import type { ContentOptions } from './session.js';
import { decodeOrThrow, readStdin } from '../input.js';
import { buildTemplate, parseJsonText } from '../core/whatsapp.js';
import { UsageError, ValidationError, type Problem } from '../errors.js';

export async function sendWhatsapp(ctx: Context, flags: SendFlags): Promise<number> {
  // Conflicting flags are refused before any JSON file or stdin is read.
  const conflict = flagConflict(flags);
  if (conflict) throw new UsageError(conflict.message, conflict.hint);
  const smsOnly = SMS_ONLY_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (smsOnly.length > 0) {
    throw new UsageError(
      `${smsOnly.join(', ')} ${smsOnly.length === 1 ? 'applies' : 'apply'} to SMS only: WhatsApp text is sent as written, without India DLT registration.`,
      `Remove ${smsOnly.length === 1 ? 'it' : 'them'}.`,
    );
  }
  return runSend(ctx, 'whatsapp', flags, await whatsappContent(ctx, flags));
}

const SMS_ONLY_FLAGS = [
  ['dltEntityId', '--dlt-entity-id'],
  ['dltTemplateId', '--dlt-template-id'],
  ['dltTemplateCategory', '--dlt-template-category'],
  ['smartEncoding', '--smart-encoding'],
] as const satisfies ReadonlyArray<readonly [keyof SendFlags, string]>;

async function whatsappContent(ctx: Context, flags: SendFlags): Promise<ContentOptions> {
  const stdinUsers = [flags.csv, flags.text, flags.template, flags.interactive, flags.location].filter((v) => v === '-').length;
  if (stdinUsers > 1) throw new ValidationError([{ field: 'stdin', message: 'only one option can read stdin (-) at a time' }]);
  const problems: Problem[] = [];
  let template = await readJsonOption(flags.template, 'template', ctx.io);
  const shortcut = flags.templateName !== undefined || flags.templateLanguage !== undefined || flags.param !== undefined;
  if (shortcut) {
    if (template !== undefined)
      problems.push({ field: 'template', message: 'give either --template or --template-name/--template-language/--param, not both' });
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

/** `--template` and friends: inline JSON, `@path`, or `-` for stdin. */
export async function readJsonOption(value: string | undefined, field: string, io: Io): Promise<unknown> {
  if (value === undefined) return undefined;
  let text = value;
  let origin = '';
  if (value === '-') {
    text = await readStdin(io, `--${field}`);
    origin = ' (stdin)';
  } else if (value.startsWith('@')) {
    const path = resolve(io.cwd, value.slice(1));
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ValidationError([{ field, message: `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String(code ?? error)}` }]);
    }
    text = decodeOrThrow(bytes, field, value.slice(1));
    origin = ` (${value.slice(1)})`;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = parseJsonText(text, field);
  if (!parsed.ok) throw new ValidationError([{ field: parsed.problem.field, message: parsed.problem.message + origin }]);
  return parsed.value;
}
