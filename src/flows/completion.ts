/** `completion`: prints a shell's completion script, made from the command tree itself. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { completionScript, SHELLS, type Shell } from '../completion/scripts.js';
import { describeTree } from '../completion/tree.js';

export interface CompletionFlags {
  /** Hidden: print the profile names of the config file (the scripts ask it for --profile). */
  profiles?: boolean;
  config?: string;
  json?: boolean;
}

export async function runCompletion(ctx: Context, shell: string | undefined, flags: CompletionFlags, root: Command): Promise<number> {
  if (flags.profiles) return printProfiles(ctx, flags.config);
  if (shell === undefined) {
    throw new UsageError(
      'Name the shell to complete: bash, zsh or fish.',
      'Run plivo-send completion bash (or zsh, fish); plivo-send completion --help shows how to install it.',
    );
  }
  if (!SHELLS.includes(shell as Shell)) throw new UsageError(`No completion for ${shell}: plivo-send completes bash, zsh and fish.`);
  const specs = describeTree(root);
  // A program built for one command only (start-up time) would give a script completing nothing else.
  if (root.commands.length < 2) throw new Error('completion was given a partial command tree: makeProgram must build every command for it');
  ctx.io.stdout.write(completionScript(shell as Shell, root.name(), specs));
  return ExitCode.ok;
}

/** One profile name a line; nothing at all on any error (a completion must never print one). */
async function printProfiles(ctx: Context, config: string | undefined): Promise<number> {
  try {
    const load = ctx.loadConfig ?? (await import('../config/load.js')).loadConfig;
    const loaded = await load({ cwd: ctx.io.cwd, homedir: ctx.io.homedir, path: config, env: ctx.io.env });
    // One a line: a name holding a line break cannot be offered (nor typed) as one word.
    const names = Object.keys(loaded.config.profiles ?? {}).filter((name) => !/[\r\n]/.test(name));
    if (names.length > 0) ctx.io.stdout.write(`${names.join('\n')}\n`);
    return ExitCode.ok;
  } catch {
    return ExitCode.invalid;
  }
}
