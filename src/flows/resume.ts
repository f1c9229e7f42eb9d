/**
 * The exact command that resumes a batch (pure): the original flags, which must give the same
 * request bodies (the journal checks it), plus `--resume`.
 */
import type { SendFlags } from './flags.js';

const VALUE_FLAGS: Array<[keyof SendFlags, string]> = [
  ['csv', '--csv'],
  ['text', '--text'],
  ['src', '--src'],
  ['powerpackUuid', '--powerpack-uuid'],
  ['template', '--template'],
  ['templateName', '--template-name'],
  ['templateLanguage', '--template-language'],
  ['interactive', '--interactive'],
  ['location', '--location'],
  ['url', '--url'],
  ['method', '--method'],
  ['log', '--log'],
  ['messageExpiry', '--message-expiry'],
  ['dltEntityId', '--dlt-entity-id'],
  ['dltTemplateId', '--dlt-template-id'],
  ['dltTemplateCategory', '--dlt-template-category'],
  ['profile', '--profile'],
  ['config', '--config'],
  ['timeout', '--timeout'],
  ['concurrency', '--concurrency'],
  ['rate', '--rate'],
  ['results', '--results'],
  ['journal', '--journal'],
  ['settle', '--settle'],
  ['encoding', '--encoding'],
  ['delimiter', '--delimiter'],
  ['country', '--country'],
  ['maxCost', '--max-cost'],
];
const LIST_FLAGS: Array<[keyof SendFlags, string]> = [
  ['dst', '--dst'],
  ['mediaUrl', '--media-url'],
  ['mediaId', '--media-id'],
  ['param', '--param'],
  ['suppress', '--suppress'],
];
/**
 * Flags a resume must not repeat, or that cannot apply to one: every other flag of the send
 * commands is in the lists above (test/flows/resume.test.ts checks it against the command tree).
 */
export const NOT_REPEATED = ['--resume', '--dry-run', '--wait', '--debug', '--no-number-check', '--help'] as const;

const SWITCHES: Array<[keyof SendFlags, string]> = [
  ['trackable', '--trackable'],
  ['smartEncoding', '--smart-encoding'],
  ['sandbox', '--sandbox'],
  ['json', '--json'],
  ['yes', '--yes'],
  ['skipDuplicates', '--skip-duplicates'],
];

/** Every flag resumeCommand repeats (for the test that keeps this list complete). */
export function repeatedFlags(): string[] {
  return [...VALUE_FLAGS, ...LIST_FLAGS, ...SWITCHES].map(([, flag]) => flag);
}

export function resumeCommand(type: string, flags: SendFlags): string {
  const words = ['plivo-send', type];
  for (const [key, flag] of VALUE_FLAGS) {
    const value = flags[key];
    if (value !== undefined && typeof value !== 'boolean') words.push(flag, shellQuote(String(value)));
  }
  for (const [key, flag] of LIST_FLAGS) {
    const values = flags[key];
    if (Array.isArray(values)) for (const value of values) words.push(flag, shellQuote(value));
  }
  for (const [key, flag] of SWITCHES) if (flags[key] === true) words.push(flag);
  // --no-number-check: commander sets numberCheck (true by default), false when given.
  if (flags.numberCheck === false) words.push('--no-number-check');
  words.push('--resume');
  return words.join(' ');
}

/** POSIX shell quoting: bare when safe, else single quotes (with ' written as '\''). */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
