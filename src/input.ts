/** Reading `--text -` and stdin. */
import type { Io } from './io.js';
import { readAll } from './io.js';
import { UsageError } from './errors.js';

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
