/** `segments`: counts a text's GSM-7 / UCS-2 segments offline, as carriers bill them. */
import type { Context } from '../context.js';
import { Output } from '../output.js';
import { ExitCode } from '../errors.js';
import { cleanStdinText, readStdin, readTextOption } from '../input.js';
import { applySmartEncoding, checkTextLimit, countSegments, splitSegments } from '../core/encoding.js';
import { plural } from '../core/format.js';

export interface SegmentsFlags {
  text?: string;
  smartEncoding?: boolean;
  json?: boolean;
}

export async function runSegments(ctx: Context, flags: SegmentsFlags): Promise<number> {
  const out = new Output(ctx.io, flags.json === true);
  const original = flags.text === undefined ? cleanStdinText(await readStdin(ctx.io, '--text')) : ((await readTextOption(flags.text, ctx.io)) ?? '');
  const smart = flags.smartEncoding ? applySmartEncoding(original) : { text: original, replaced: [] };
  const text = smart.text;
  const count = countSegments(text);
  const parts = splitSegments(text);
  const limit = checkTextLimit(count);
  if (out.json) {
    out.jsonLine({
      encoding: count.encoding,
      segments: count.segments,
      length: count.length,
      characters: count.characters,
      per_segment: count.perSegment,
      remaining: count.remaining,
      non_gsm: count.nonGsm,
      parts,
      ...(flags.smartEncoding ? { replaced: smart.replaced, text } : {}),
      within_limit: limit === undefined,
    });
    return ExitCode.ok;
  }
  const c = out.out;
  const unit = count.encoding === 'GSM-7' ? 'septets' : 'UTF-16 code units';
  out.line(`${c.bold('Encoding')}   ${count.encoding}`);
  out.line(`${c.bold('Segments')}   ${count.segments}`);
  out.line(`${c.bold('Length')}     ${count.length.toLocaleString('en-US')} ${unit} (${count.perSegment} per segment, ${count.remaining} left in the last)`);
  out.line(`${c.bold('Characters')} ${count.characters.toLocaleString('en-US')}`);
  if (count.nonGsm.length > 0) {
    const chars = count.nonGsm.map((ch) => `${JSON.stringify(ch)} U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
    out.line(`${c.yellow('UCS-2 because of')} ${chars}`);
    if (!flags.smartEncoding && applySmartEncoding(original).replaced.length > 0) {
      out.line(c.dim('  --smart-encoding would make this GSM-7 by replacing look-alike characters.'));
    }
  }
  if (smart.replaced.length > 0) out.line(`${c.bold('Replaced')}   ${smart.replaced.map((r) => `${r.from} → ${r.to || '(removed)'}`).join(', ')}`);
  if (parts.length > 1) {
    for (const [i, part] of parts.entries()) out.line(c.dim(`  ${i + 1}: ${JSON.stringify(part)}`));
  }
  if (limit) out.warn(`Too long to send as SMS: the text ${limit}.`);
  else if (count.segments > 1) out.line(c.dim(`  Billed as ${plural(count.segments, 'segment')} per destination.`));
  return ExitCode.ok;
}
