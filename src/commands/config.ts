import { Command } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { ConfigInitFlags, ConfigShowFlags } from '../flows/config.js';
import { addCommonOptions } from './options.js';

export function makeConfigCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  const init = new Command('init')
    .description('Verify your Auth ID and Auth Token with Plivo and save them in the user config file (mode 600)')
    .option('--auth-id <id>', 'your Auth ID (asked on a terminal when missing)')
    .option('--auth-token <token|->', 'your Auth Token, or - to read it from stdin (asked on a terminal, not echoed, when missing)')
    .option('--src <id>', 'a default sender to save with them')
    .option('--profile <name>', 'save them as this profile (default: the top level, used when no profile is chosen)')
    .option('--config <path>', 'write this JSON file instead of the user config file')
    .option('--yes', 'ask nothing; replace credentials already saved there')
    .option('--json', 'print the result as one JSON object')
    .option('--debug', "print each request's method, URL and status (never the auth token)")
    .addHelpText(
      'after',
      `
On a terminal, plivo-send config init asks for what the flags do not give (the token is not echoed).
It writes $XDG_CONFIG_HOME/plivo/config.json (by default ~/.config/plivo/config.json), readable
only by you, keeping the other profiles and settings in it. Credentials already saved in the same
place are replaced only after a yes on the terminal, or with --yes. Wrong credentials write nothing
(exit 2).

Examples:
  $ echo "$PLIVO_AUTH_TOKEN" | plivo-send config init --auth-id "$PLIVO_AUTH_ID" --auth-token - --yes
  $ echo "$PLIVO_AUTH_TOKEN" | plivo-send config init --profile us --auth-id "$PLIVO_AUTH_ID" --auth-token - --src 14155550100`,
    )
    .action((flags: ConfigInitFlags) => run(async () => (await import('../flows/config.js')).runConfigInit(ctx, flags), flags));
  const show = addCommonOptions(new Command('show').description('Show the settings in effect and where each comes from (the token masked)'))
    .addHelpText(
      'after',
      `
Examples:
  $ plivo-send config show
  $ plivo-send config show --json`,
    )
    .action((flags: ConfigShowFlags) => run(async () => (await import('../flows/config.js')).runConfigShow(ctx, flags), flags));
  const path = addCommonOptions(new Command('path').description('Print the path of the config file in use (exit 1 when there is none)'))
    .addHelpText(
      'after',
      `
Examples:
  $ plivo-send config path || echo "No config file yet"`,
    )
    .action((flags: ConfigShowFlags) => run(async () => (await import('../flows/config.js')).runConfigPath(ctx, flags), flags));
  return (
    new Command('config')
      .description("Set up and show plivo-send's configuration")
      .addCommand(init)
      .addCommand(show)
      .addCommand(path)
      // The program configures its commands (errors and help through ctx.io, no process.exit) after
      // they are made: the subcommands take those settings from here when they run.
      .hook('preSubcommand', (config, sub) => void sub.copyInheritedSettings(config))
  );
}
