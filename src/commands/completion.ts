import { Argument, Command, Option } from 'commander';
import type { Context } from '../context.js';
import type { SendFlags } from '../flows/flags.js';
import type { CompletionFlags } from '../flows/completion.js';

export function makeCompletionCommand(ctx: Context, run: (action: () => Promise<number>, flags: SendFlags) => Promise<void>): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('[shell]', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addOption(new Option('--profiles', "print the config file's profile names, one a line (the scripts use it)").hideHelp())
    .addOption(new Option('--config <path>', 'with --profiles: the config file to read').hideHelp())
    .addHelpText(
      'after',
      `
The script completes commands, flags, the values of --log, --method and the other flags with a
fixed set, file names, and profile names from your config file. Install it once:

  bash  $ plivo-send completion bash > ~/.local/share/bash-completion/completions/plivo-send
  zsh   $ plivo-send completion zsh > "\${fpath[1]}/_plivo-send"
  fish  $ plivo-send completion fish > ~/.config/fish/completions/plivo-send.fish

Examples:
  $ source <(plivo-send completion bash)   # completion in this bash session only`,
    )
    .action((shell: string | undefined, flags: CompletionFlags, cmd: Command) =>
      run(async () => (await import('../flows/completion.js')).runCompletion(ctx, shell, flags, cmd.parent ?? cmd), flags),
    );
}
