/** Reading `--text -` and stdin. */
import type { Readable } from 'node:stream';
import type { Io } from './io.js';
import { UsageError, ValidationError } from './errors.js';
import { decodeUtf8Strict } from './core/text-decoding.js';

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

/** Stdin as UTF-8 text; bytes that are not UTF-8 are an error naming their offset (field `what`). */
export async function readStdin(io: Io, what: string): Promise<string> {
  if (io.stdin.isTTY) {
    throw new UsageError(`${what} is '-' but nothing is piped to stdin.`, `Pipe the text in, e.g. echo "Hello" | plivo-send … ${what} -`);
  }
  return decodeOrThrow(await readBytes(io.stdin), what.replace(/^--/, ''), 'stdin');
}

/**
 * Decodes UTF-8 strictly: an invalid byte is a `field` problem naming `source` and the offset,
 * never a U+FFFD sent (and billed as UCS-2) in its place.
 */
export function decodeOrThrow(bytes: Uint8Array, field: string, source: string): string {
  const decoded = decodeUtf8Strict(bytes);
  if (decoded.ok) return decoded.text;
  throw new ValidationError([
    {
      field,
      message: `${source} is not valid UTF-8: byte offset ${decoded.offset} holds ${decoded.bytes}. Nothing was sent; convert it first (e.g. iconv -f windows-1252 -t utf-8)`,
    },
  ]);
}

/** The whole stream as bytes (decoded by the caller, so that nothing is replaced on the way). */
async function readBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** `--text <text|->`: the text itself, or stdin for `-`. `@` is an ordinary character here. */
export async function readTextOption(value: string | undefined, io: Io): Promise<string | undefined> {
  if (value !== '-') return value;
  return cleanStdinText(await readStdin(io, '--text'));
}
