/** Flags shared by the send commands: one per API field, in kebab-case (README: Commands). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CALLBACK_METHODS, CSV_ENCODINGS, DLT_CATEGORIES, LOG_VALUES, SETTING_RANGES, rangeProblem, type Range } from '../core/fields.js';

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function positiveNumber(name: string, { integer = false, max }: { integer?: boolean; max?: number } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'whole ' : ''}number.`);
    }
    if (max !== undefined && n > max) throw new InvalidArgumentError(`${name} may be at most ${max}.`);
    return n;
  };
}

/** A number within one of SETTING_RANGES, checked when the command line is read. */
function rangedNumber(name: string, range: Range) {
  return (value: string): number => {
    const n = value.trim() === '' ? NaN : Number(value);
    const problem = rangeProblem(name, n, range);
    if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
    return n;
  };
}

/** `--wait [seconds]`: checked when the command line is read, before any send. */
export const parseWait = rangedNumber('--wait', SETTING_RANGES.wait);
export const parseTimeout = rangedNumber('--timeout', SETTING_RANGES.timeout);

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print JSON only on stdout (errors as JSON on stderr)')
    .option('--profile <name>', 'use a profile from the config file')
    .option('--config <path>', 'load this config file instead of searching for .plivorc')
    .option('--debug', "print each request's method, URL and status, and stack traces (never the auth token)");
}

/** The sender flag as each kind of message takes it. */
const SENDERS = {
  any: { flags: '--src <id>', help: 'sender: phone number, short code or alphanumeric sender ID' },
  whatsapp: { flags: '--src <number>', help: 'sender: your WhatsApp-enabled phone number, with its country code (required)' },
} as const;

/** The sender, destination and delivery options every send command takes. */
export function addSendOptions(cmd: Command, { textHelp, sender = 'any' }: { textHelp: string; sender?: keyof typeof SENDERS }): Command {
  cmd
    .option('--dst <numbers>', 'destination with country code; join several with "<" or repeat the flag', collect)
    .option('--text <text|->', textHelp)
    .option(SENDERS[sender].flags, SENDERS[sender].help)
    // WhatsApp refuses Powerpacks: the flag stays out of its help but is still read, so that the
    // refusal can say why instead of "unknown option".
    .addOption(new Option('--powerpack-uuid <uuid>', 'send from a Powerpack number pool instead of --src').hideHelp(sender === 'whatsapp'))
    .option('--url <url>', 'status callback URL Plivo calls on every state change')
    .addOption(new Option('--method <method>', 'HTTP method of the status callback').choices(CALLBACK_METHODS).argParser((v) => v.toUpperCase()))
    .addOption(new Option('--log <value>', 'what Plivo keeps in its logs').choices(LOG_VALUES))
    .option('--trackable', 'mark the message for Conversion Feedback (OTP) reporting')
    .option('--message-expiry <seconds>', "seconds the message may wait in Plivo's queue (5-10799)")
    // SMS matters (India DLT, GSM-7): out of WhatsApp's help, and refused there (flows/whatsapp.ts).
    .addOption(new Option('--dlt-entity-id <id>', 'India DLT: registered entity ID').hideHelp(sender === 'whatsapp'))
    .addOption(new Option('--dlt-template-id <id>', 'India DLT: registered template ID').hideHelp(sender === 'whatsapp'))
    .addOption(new Option('--dlt-template-category <category>', 'India DLT: template category').choices(DLT_CATEGORIES).hideHelp(sender === 'whatsapp'))
    .addOption(
      new Option('--smart-encoding', 'replace look-alike characters (curly quotes, dashes…) when that makes the text GSM-7').hideHelp(sender === 'whatsapp'),
    )
    .option('--country <ISO2>', 'read numbers without a country code as numbers of this country (e.g. US, GB, IN)')
    .option('--no-number-check', "don't refuse numbers that are not valid for their country (numbers the phone metadata does not know yet)")
    .option('--suppress <path>', 'never send to the numbers in this file (text, CSV with dst, or an earlier --results); repeatable', collect)
    .option('--max-cost <amount>', "refuse to send when Plivo's prices put the cost above this amount (e.g. 25)")
    .option('--dry-run', 'validate and print the exact request; send nothing, no credentials needed')
    .option('--sandbox', 'send to a throwaway local Plivo sandbox instead of Plivo (no account needed)')
    .option('--wait [seconds]', 'single sends: wait until the message reaches a final state (default 60 s)', parseWait)
    .option('--timeout <seconds>', 'seconds to wait for Plivo to answer (default 30, at most 600)', parseTimeout)
    .option(
      '--settle <seconds>',
      "after a lost answer, how long Plivo's message list may lag behind (default: --timeout, at most 30; 10 for a single send)",
      rangedNumber('--settle', SETTING_RANGES.settle),
    );
  addCommonOptions(cmd);
  cmd
    .option('--csv <path|->', 'batch mode: one message per CSV row (- reads stdin)')
    .option('--yes', 'batch mode: send without asking for confirmation')
    .option('--concurrency <n>', 'batch mode: requests in flight (default 10, at most 100)', rangedNumber('--concurrency', SETTING_RANGES.concurrency))
    .option('--rate <n>', 'batch mode: requests per second (default 60, Plivo allows 60)', rangedNumber('--rate', SETTING_RANGES.rate))
    .option('--results <path>', 'batch mode: write one result per row (JSON Lines, or CSV for .csv)')
    .option('--journal <path>', 'batch mode: write-ahead journal that makes --resume safe')
    .option('--resume', 'batch mode: continue an interrupted batch from its --journal')
    .addOption(new Option('--encoding <name>', 'batch mode: character encoding of the CSV (default utf-8)').choices(CSV_ENCODINGS))
    .option('--delimiter <char>', 'batch mode: CSV field separator (default: detected from the header: , ; or tab)')
    .option('--skip-duplicates', 'batch mode: send a repeated (dst, text) pair only once; the repeats are reported invalid');
  return cmd;
}
