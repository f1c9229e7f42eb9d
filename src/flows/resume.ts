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
];
const LIST_FLAGS: Array<[keyof SendFlags, string]> = [
  ['dst', '--dst'],
  ['mediaUrl', '--media-url'],
  ['mediaId', '--media-id'],
  ['param', '--param'],
];
const SWITCHES: Array<[keyof SendFlags, string]> = [
  ['trackable', '--trackable'],
  ['smartEncoding', '--smart-encoding'],
  ['sandbox', '--sandbox'],
  ['json', '--json'],
  ['yes', '--yes'],
  ['skipDuplicates', '--skip-duplicates'],
];

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
  words.push('--resume');
  return words.join(' ');
}

/** POSIX shell quoting: bare when safe, else single quotes (with ' written as '\''). */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
