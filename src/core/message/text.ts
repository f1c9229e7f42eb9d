import { applySmartEncoding, countSegments, type SegmentCount } from '../encoding.js';
import { loneSurrogateIndex } from '../text-decoding.js';
import type { MessageOptions, Part } from './options.js';

interface TextFields {
  text?: string;
}

export interface PreparedText extends Part<TextFields> {
  /** The text as it will be sent (after `--smart-encoding`), even when empty. */
  text: string | undefined;
  /** Segments of the text; undefined when there is none to send. */
  count: SegmentCount | undefined;
  /** Look-alike characters replaced by `--smart-encoding`. */
  replaced: Array<{ from: string; to: string }>;
}

/** The text: look-alikes replaced on request, then checked for what no type can send. */
export function prepareText(options: Pick<MessageOptions, 'text' | 'smartEncoding'>): PreparedText {
  const smart = options.text !== undefined && options.smartEncoding ? applySmartEncoding(options.text) : undefined;
  const text = smart?.text ?? options.text;
  const replaced = smart?.replaced ?? [];
  if (text === undefined || text === '') return { fields: {}, text, count: undefined, replaced, problems: [] };
  const problem = textProblem(text);
  return { fields: { text }, text, count: countSegments(text), replaced, problems: problem ? [{ field: 'text', message: problem }] : [] };
}

/** Why `text` cannot be sent as it is: only whitespace, or a surrogate with no pair. */
function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is blank (only spaces or line breaks); give the message text';
  const lone = loneSurrogateIndex(text);
  if (lone >= 0)
    return `holds an unpaired UTF-16 surrogate (\\u${text.charCodeAt(lone).toString(16).toUpperCase()}) at character ${lone + 1}, which no phone can show; fix the text's encoding`;
  return undefined;
}
