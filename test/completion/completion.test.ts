import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProgram } from '../../src/program.js';
import { describeTree } from '../../src/completion/tree.js';
import { completionScript, type Shell } from '../../src/completion/scripts.js';
import { runCli } from '../helpers/io.js';
import { BIN, cleanEnv, runBin } from '../helpers/spawn.js';
import type { Context } from '../../src/context.js';
import type { Command } from 'commander';

/** The full command tree, as `plivo-send --help` shows it. */
function script(shell: Shell): string {
  const ctx: Context = {
    io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, cwd: '/', homedir: '/' },
    version: '0.0.0-test',
  };
  const program = makeProgram(ctx, { exitCode: 0, json: false, debug: false });
  return completionScript(shell, 'plivo-send', describeTree(program));
}

const [ZSH, FISH] = ['zsh', 'fish'];
const hasShell = (name: string) => spawnSync(name, ['-c', 'exit 0']).status === 0;

let dir: string;
let bashScript: string;
let env: Record<string, string>;

beforeAll(() => {
  bashScript = join(mkdtempSync(join(tmpdir(), 'plivo-send-completion-')), 'plivo-send.bash');
  writeFileSync(bashScript, script('bash'));
  env = cleanEnv();
  dir = join(env.HOME!, 'project');
  mkdirSync(dir);
  for (const f of ['people.csv', 'prices.csv', 'notes.txt']) writeFileSync(join(dir, f), 'dst\n');
  mkdirSync(join(dir, 'plivo'));
  // The profiles come from the config file the binary would load (the user config here).
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'plivo'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'plivo', 'config.json'), JSON.stringify({ src: 'ACME', profiles: { india: {}, marketing: {}, tracked: {} } }));
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ profiles: { staging: {} } }));
  // `plivo-send` on PATH is the built binary, for the scripts' call back for profile names.
  const bin = join(env.HOME!, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'plivo-send'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(bin, 'plivo-send'), 0o755);
  env.PATH = `${bin}:${env.PATH}`;
});

/**
 * What bash completes for `line` (the cursor at its end), as the completion function sets
 * COMPREPLY; the words are split as readline would split them (COMP_WORDBREAKS holds "=").
 */
function complete(line: string, cwd = dir): string[] {
  const program = `
source "$1"
line=$2
read -ra COMP_WORDS <<< "$line"
[[ $line == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_plivo_send
printf '%s\\n' "\${COMPREPLY[@]}"`;
  // "--log=tr" arrives as three words: --log, =, tr.
  const split = line.replace(/(--[a-z-]+)=/g, '$1 = ');
  const out = execFileSync('bash', ['-c', program, 'bash', bashScript, split], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.split('\n').filter((w) => w !== '');
}

describe('the bash script completes, run in bash', () => {
  it('the commands, at the top', () => {
    expect(complete('plivo-send ')).toEqual(expect.arrayContaining(['sms', 'mms', 'whatsapp', 'segments', 'status', 'config', 'completion']));
    expect(complete('plivo-send s')).toEqual(['sms', 'segments', 'status', 'sandbox']);
    expect(complete('plivo-send --v')).toEqual(['--version']);
  });

  it("every flag of the command being typed, and no other command's", () => {
    const sms = complete('plivo-send sms --');
    expect(sms).toEqual(
      expect.arrayContaining(['--dst', '--text', '--src', '--log', '--csv', '--dry-run', '--profile', '--suppress', '--max-cost', '--no-number-check']),
    );
    expect(sms).not.toContain('--media-url');
    expect(complete('plivo-send mms --media')).toEqual(['--media-url', '--media-id']);
    expect(complete('plivo-send segments --')).toEqual(expect.arrayContaining(['--text', '--smart-encoding', '--json']));
    // Flags given values before the cursor do not confuse it: "sms" is a value, not a command.
    expect(complete('plivo-send segments --text sms --sm')).toEqual(['--smart-encoding']);
  });

  it('hidden flags are left out (WhatsApp takes no Powerpack)', () => {
    expect(complete('plivo-send whatsapp --po')).toEqual([]);
    expect(complete('plivo-send sms --po')).toEqual(['--powerpack-uuid']);
  });

  it('the values of flags with a fixed set, with a space or "="', () => {
    expect(complete('plivo-send sms --log ')).toEqual(['true', 'false', 'number_only', 'content_only']);
    expect(complete('plivo-send sms --log n')).toEqual(['number_only']);
    expect(complete('plivo-send sms --log=c')).toEqual(['content_only']);
    expect(complete('plivo-send sms --method ')).toEqual(['GET', 'POST']);
    expect(complete('plivo-send sms --dlt-template-category ')).toEqual(expect.arrayContaining(['transactional', 'service_implicit']));
  });

  it('every flag with a fixed set of values in the tree offers exactly that set (the script cannot drift from --help)', () => {
    const ctx: Context = {
      io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, cwd: '/', homedir: '/' },
      version: '0.0.0-test',
    };
    const specs = describeTree(makeProgram(ctx, { exitCode: 0, json: false, debug: false }));
    let checked = 0;
    for (const spec of specs) {
      for (const flag of spec.flags) {
        if (flag.complete.kind !== 'choices' || flag.long === undefined) continue;
        expect(complete(['plivo-send', ...spec.path, flag.long, ''].join(' ')), `${spec.path.join(' ')} ${flag.long}`).toEqual(flag.complete.values);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("messages: --type and --state offer their values (read off the messages command's choices)", () => {
    expect(complete('plivo-send messages --type ')).toEqual(['sms', 'mms', 'whatsapp']);
    expect(complete('plivo-send messages --state d')).toEqual(['delivered']);
  });

  it('file names after the flags that take a path', () => {
    expect(complete('plivo-send sms --csv p').sort()).toEqual(['people.csv', 'plivo', 'prices.csv']);
    for (const flag of ['--results', '--journal', '--config', '--suppress']) expect(complete(`plivo-send sms ${flag} n`)).toEqual(['notes.txt']);
  });

  it('file names after every flag whose value --help names a path (<path>, <file>), on every command', () => {
    const ctx: Context = {
      io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, cwd: '/', homedir: '/' },
      version: '0.0.0-test',
    };
    const flags: string[] = [];
    const visit = (cmd: Command, path: string[]) => {
      for (const option of cmd.options) {
        if (option.hidden || option.long === undefined || !/<(path|file)\b/.test(option.flags)) continue;
        flags.push(`${path.join(' ')} ${option.long}`);
        expect(complete(`plivo-send ${path.join(' ')} ${option.long} n`), `${path.join(' ')} ${option.long}`).toEqual(['notes.txt']);
      }
      for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
    };
    visit(makeProgram(ctx, { exitCode: 0, json: false, debug: false }), []);
    // The ones a reviewer found without it, among the others.
    expect(flags).toEqual(expect.arrayContaining(['segments --file', 'report --events', 'report --results', 'listen --out', 'sms --csv']));
  });

  it('nothing is offered for a free value (a text, a number)', () => {
    expect(complete('plivo-send sms --text ')).toEqual([]);
    expect(complete('plivo-send sms --dst 1')).toEqual([]);
  });

  it('profile names from the config file that would be loaded, or the one --config names', () => {
    expect(complete('plivo-send sms --profile ')).toEqual(['india', 'marketing', 'tracked']);
    expect(complete('plivo-send sms --profile m')).toEqual(['marketing']);
    expect(complete('plivo-send sms --config other.json --profile ')).toEqual(['staging']);
    // A config file that cannot be read offers nothing, and prints nothing.
    expect(complete('plivo-send sms --config missing.json --profile ')).toEqual([]);
  });

  it("profile names are offered as they are, never run: a checkout's .plivorc cannot run code through completion", () => {
    const evil = join(env.HOME!, 'evil');
    mkdirSync(evil);
    const marker = join(evil, 'ran');
    const names = ['dev', `$(touch ${marker})`, `\`touch ${marker}\``, 'us west', "it's"];
    writeFileSync(join(evil, '.plivorc'), JSON.stringify({ profiles: Object.fromEntries(names.map((n) => [n, {}])) }));
    // Each name is one word, quoted as the shell must read it back (printf %q).
    const quoted = (name: string) => execFileSync('bash', ['-c', 'printf %q "$1"', 'bash', name], { encoding: 'utf8' });
    expect(complete('plivo-send sms --profile ', evil).sort()).toEqual(names.map(quoted).sort());
    expect(complete('plivo-send sms --profile u', evil)).toEqual(['us\\ west']);
    expect(complete('plivo-send sms --profile $', evil)).toEqual([quoted(names[1]!)]);
    expect(existsSync(marker)).toBe(false);
  });

  it('subcommands of subcommands, and positional values', () => {
    expect(complete('plivo-send config ')).toEqual(['init', 'show', 'path', 'help']);
    expect(complete('plivo-send config init --auth')).toEqual(['--auth-id', '--auth-token']);
    expect(complete('plivo-send config show --profile t')).toEqual(['tracked']);
    expect(complete('plivo-send completion ')).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('the zsh and fish scripts', () => {
  it.runIf(hasShell(ZSH))('zsh parses the script (zsh -n) and loads it with compinit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'plivo-send-zsh-')), '_plivo-send');
    writeFileSync(file, script('zsh'));
    expect(spawnSync(ZSH, ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    const loaded = spawnSync(ZSH, ['-fc', `autoload -Uz compinit && compinit -u -D && source ${file} && print -r -- $_comps[plivo-send]`], {
      encoding: 'utf8',
      env,
    });
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('_plivo_send');
  });

  it.runIf(hasShell(FISH))('fish parses the script and completes commands, flags and values with it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'plivo-send-fish-')), 'plivo-send.fish');
    writeFileSync(file, script('fish'));
    expect(spawnSync(FISH, ['--no-execute', file], { encoding: 'utf8' }).stderr).toBe('');
    const fish = (line: string) =>
      spawnSync(FISH, ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8', env, cwd: dir })
        .stdout.split('\n')
        .map((l) => l.split('\t')[0])
        .filter((w) => w !== '');
    expect(fish('plivo-send s')).toEqual(expect.arrayContaining(['sms', 'segments', 'status', 'sandbox']));
    expect(fish('plivo-send sms --log ')).toEqual(['content_only', 'false', 'number_only', 'true']);
    expect(fish('plivo-send config i')).toEqual(['init']);
    expect(fish('plivo-send config init --auth')).toEqual(['--auth-id', '--auth-token']);
    expect(fish('plivo-send sms --profile ')).toEqual(['india', 'marketing', 'tracked']);
    expect(fish('plivo-send sms --csv pe')).toEqual(['people.csv']);
    expect(fish('plivo-send segments --file no')).toEqual(['notes.txt']);
  });

  it.runIf(hasShell(FISH))('fish offers profile names as they are, never run', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'plivo-send-fish-')), 'plivo-send.fish');
    writeFileSync(file, script('fish'));
    const evil = join(env.HOME!, 'evil-fish');
    mkdirSync(evil);
    const marker = join(evil, 'ran');
    writeFileSync(join(evil, '.plivorc'), JSON.stringify({ profiles: { dev: {}, [`(touch ${marker})`]: {}, [`$(touch ${marker})`]: {}, 'us west': {} } }));
    const out = spawnSync(FISH, ['--no-config', '-c', `source ${file}; complete -C 'plivo-send sms --profile '`], { encoding: 'utf8', env, cwd: evil });
    const words = out.stdout
      .split('\n')
      .map((l) => l.split('\t')[0])
      .filter((w) => w !== '');
    expect(words.sort()).toEqual([`$(touch ${marker})`, `(touch ${marker})`, 'dev', 'us west']);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('plivo-send completion', () => {
  it('prints the script for each shell from the binary', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const out = await runBin(['completion', shell], { env });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toBe(script(shell as Shell));
    }
  });

  it('an unknown shell or none is a usage error', async () => {
    const none = await runCli(['completion']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Name the shell to complete: bash, zsh or fish.');
    const tcsh = await runCli(['completion', 'tcsh']);
    expect(tcsh.code).toBe(1);
    expect(tcsh.stderr).toMatch(/tcsh/);
  });

  it('--profiles prints the profile names, and nothing at all when the config cannot be read', async () => {
    const out = await runCli(['completion', '--profiles'], { config: { profiles: { a: {}, b: {} } } });
    expect([out.code, out.stdout, out.stderr]).toEqual([0, 'a\nb\n', '']);
    // A name with a line break would be two lines, two names: it is left out.
    const broken = await runCli(['completion', '--profiles'], { config: { profiles: { a: {}, 'x\ny': {} } } });
    expect(broken.stdout).toBe('a\n');
    const bad = await runBin(['completion', '--profiles', '--config', 'missing.json'], { env, cwd: dir });
    expect([bad.stdout, bad.stderr]).toEqual(['', '']);
  });
});
