/**
 * What a completion script needs to know about the command tree, read off commander's own
 * definitions (the ones --help prints), so that the scripts never drift from the commands.
 */
import type { Command, Option } from 'commander';

/** What to offer for a flag's value or a positional argument. */
export type Completer = { kind: 'none' } | { kind: 'choices'; values: readonly string[] } | { kind: 'files' } | { kind: 'profiles' };

export interface FlagSpec {
  /** `--dst`, and `-h` for those with a short form. */
  long: string | undefined;
  short: string | undefined;
  description: string;
  value: 'none' | 'required' | 'optional';
  complete: Completer;
}

export interface CommandSpec {
  /** Names from the program down, without the program's own: [] for it, ['config', 'init']. */
  path: string[];
  description: string;
  subcommands: Array<{ name: string; description: string }>;
  flags: FlagSpec[];
  /** The first positional argument's values (`completion bash|zsh|fish`), or none. */
  argument: Completer;
  /** Whether the command takes positional arguments at all (else a bare word offers its flags). */
  takesArguments: boolean;
}

/**
 * A flag takes a path when its value is named so in --help: `--csv <path|->`, `--file <path>`.
 * Read off the flag itself, so a new path-taking flag is completed without a list to keep up.
 */
const PATH_VALUE_NAMES = new Set(['path', 'file']);

function valueNames(flags: string): string[] {
  const value = /[<[]([^>\]]*)[>\]]/.exec(flags)?.[1];
  return value === undefined ? [] : value.split('|');
}

function completerOf(option: Option): Completer {
  if (option.argChoices) return { kind: 'choices', values: option.argChoices };
  if (option.long === '--profile') return { kind: 'profiles' };
  if (valueNames(option.flags).some((name) => PATH_VALUE_NAMES.has(name))) return { kind: 'files' };
  return { kind: 'none' };
}

/** Every command of the tree, the program first, each before its subcommands; hidden ones left out. */
export function describeTree(root: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const visit = (cmd: Command, path: string[]) => {
    const help = cmd.createHelp();
    const commands = help.visibleCommands(cmd);
    const argument = cmd.registeredArguments[0];
    specs.push({
      path,
      description: cmd.description(),
      subcommands: commands.map((c) => ({ name: c.name(), description: c.summary() || c.description() })),
      flags: help.visibleOptions(cmd).map((o) => ({
        long: o.long,
        short: o.short,
        description: o.description,
        value: o.required ? 'required' : o.optional ? 'optional' : 'none',
        complete: completerOf(o),
      })),
      argument: argument?.argChoices ? { kind: 'choices', values: argument.argChoices } : { kind: 'none' },
      takesArguments: argument !== undefined,
    });
    // `help [command]` is commander's own: its argument is completed like nothing else.
    for (const sub of commands) if (sub.name() !== 'help' || sub.commands.length > 0) visit(sub, [...path, sub.name()]);
  };
  visit(root, []);
  return specs;
}

/** The flag's names: long, then short. */
export function namesOf(flag: FlagSpec): string[] {
  return [flag.long, flag.short].filter((n): n is string => n !== undefined);
}
