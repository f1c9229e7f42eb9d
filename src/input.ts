/** Reading `--text -`, and the JSON options' `@file` / `-` / inline forms. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Io } from './io.js';
import { readAll } from './io.js';
import { UsageError, ValidationError } from './errors.js';
import { parseJsonText } from './core/whatsapp.js';

/**
 * Text as the user meant it: a UTF-8 BOM is dropped (it would force UCS-2), and so is exactly one
 * trailing newline (`\n` or `\r\n`), the one `echo` and editors add. The same rule serves
 * `segments` and the send commands, so their counts agree.
 */
export function cleanStdinText(raw: string): string {
  let text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.endsWith('\r\n')) text = text.slice(0, -2);
  else if (text.endsWith('\n')) text = text.slice(0, -1);
  return text;
}

export async function readStdin(io: Io, what: string): Promise<string> {
  if (io.stdin.isTTY) {
    throw new UsageError(`${what} is '-' but nothing is piped to stdin.`, `Pipe the text in, e.g. echo "Hello" | plivo-send … ${what} -`);
  }
  return readAll(io.stdin);
}

/** `--text <text|->`: the text itself, or stdin for `-`. `@` is an ordinary character here. */
export async function readTextOption(value: string | undefined, io: Io): Promise<string | undefined> {
  if (value !== '-') return value;
  return cleanStdinText(await readStdin(io, '--text'));
}

/** `--template` and friends: inline JSON, `@path`, or `-` for stdin. */
export async function readJsonOption(value: string | undefined, field: string, io: Io): Promise<unknown> {
  if (value === undefined) return undefined;
  let text = value;
  let origin = '';
  if (value === '-') {
    text = await readStdin(io, `--${field}`);
    origin = ' (stdin)';
  } else if (value.startsWith('@')) {
    const path = resolve(io.cwd, value.slice(1));
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ValidationError([{ field, message: `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String(code ?? error)}` }]);
    }
    origin = ` (${value.slice(1)})`;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = parseJsonText(text, field);
  if (!parsed.ok) throw new ValidationError([{ field: parsed.problem.field, message: parsed.problem.message + origin }]);
  return parsed.value;
}
