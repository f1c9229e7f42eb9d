import { Command, Option } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { MessagesFlags } from '../flows/messages.js';
import { addCommonOptions, parseTimeout, positiveNumber } from './options.js';
import { MESSAGE_STATES, MESSAGE_TYPES } from '../core/fields.js';

export function makeMessagesCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const cmd = new Command('messages')
    .description("List the message history from Plivo's message list, newest first")
    .option('--since <time>', 'from this time: a duration back from now (30m, 2h, 7d) or a date and time (default: 24 hours ago)')
    .option('--until <time>', 'up to this time, in the same forms (default: now)')
    .option('--to <number>', 'only messages to this number')
    .option('--from <sender>', 'only messages from this number or sender ID')
    .addOption(new Option('--type <type>', 'only this kind of message').choices(MESSAGE_TYPES).argParser(checkedLater))
    .addOption(new Option('--state <state>', 'only messages in this state').choices(MESSAGE_STATES).argParser(checkedLater))
    .addOption(new Option('--direction <direction>', 'only inbound or outbound messages'))
    .option('--error-code <code>', 'only messages that failed with this delivery error code (e.g. 30)')
    .option('--country <ISO2>', 'only messages to this country (e.g. US, GB, IN)')
    .option('--limit <n>', 'at most this many messages in all', positiveNumber('--limit', { integer: true }))
    .option('--csv', 'print CSV instead of a table')
    .option('--timeout <seconds>', 'seconds to wait for Plivo to answer (default 30, at most 600)', parseTimeout);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Every page is read (20 messages each). Plivo allows 20 list requests a minute, so a long history
takes a while: the time it will take is shown first, and progress on a terminal. Records hold no
message text. Times without a zone are local; the table shows local time, --json and --csv
Plivo's own message_time. --json prints one record per line (JSON Lines).
Exit codes: 0 the list was read to its end (or to --limit); 1 a filter is not valid (nothing is
requested); 2, 3 or 4 the list could not be read to its end (what was read is printed, and the
error says how far it got); 130 interrupted.

Examples:
  $ plivo-send messages
  $ plivo-send messages --since 2h --state failed
  $ plivo-send messages --since 7d --to 14155550101 --type sms --json
  $ plivo-send messages --since 2024-08-01 --until 2024-08-02 --csv > august-1.csv`,
  );
  return cmd.action((flags: MessagesFlags) =>
    run(async () => (await import('../flows/messages.js')).runMessages(ctx, flags), { json: flags.json, debug: flags.debug }),
  );
}

/**
 * The choices are listed (in --help and shell completion), but checked by the flow, which reports
 * every bad filter value at once rather than commander's first.
 */
const checkedLater = (value: string): string => value;
