/** What every part of the message builder shares: the options it reads and the shape of its answer. */
import type { MessageType } from '../fields.js';
import type { Problem } from '../problems.js';
import type { NumberRules } from '../phone.js';

/** Options as they arrive from flags, the config file or a CSV row: strings where the user typed. */
export interface MessageOptions {
  type: MessageType;
  src?: string | undefined;
  powerpackUuid?: string | undefined;
  dst?: readonly string[] | undefined;
  /** How destinations are read: `--country`, `--no-number-check` (default: checked, no country). */
  numbers?: NumberRules | undefined;
  text?: string | undefined;
  mediaUrls?: readonly string[] | undefined;
  mediaIds?: readonly string[] | undefined;
  template?: unknown;
  interactive?: unknown;
  location?: unknown;
  url?: string | undefined;
  method?: string | undefined;
  log?: string | boolean | undefined;
  trackable?: boolean | string | undefined;
  messageExpiry?: number | string | undefined;
  dltEntityId?: string | undefined;
  dltTemplateId?: string | undefined;
  dltTemplateCategory?: string | undefined;
  smartEncoding?: boolean | undefined;
}

/**
 * What each part of the builder returns: the body fields it filled (still loosely typed: the
 * message schema checks shapes and enums once, for the whole body) and the problems it found.
 */
export interface Part<Fields> {
  fields: Fields;
  problems: Problem[];
}

/** A problem list and the `add(field, message)` that fills it. */
export function collectProblems(): { problems: Problem[]; add: (field: string, message: string) => void } {
  const problems: Problem[] = [];
  // A bound function, not a new arrow per call: every batch row makes five of these, and the build
  // names each new arrow with a property definition (esbuild's keepNames), which is slow.
  return { problems, add: pushProblem.bind(problems) };
}

function pushProblem(this: Problem[], field: string, message: string): void {
  this.push({ field, message });
}

export function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
