/** `segments`: counts a text's GSM-7 / UCS-2 segments offline, as carriers bill them. */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Context } from '../context.js';
import type { OutStream } from '../io.js';
import { Output, type Styles } from '../output.js';
import { ExitCode, UsageError, ValidationError, describeSystemError } from '../errors.js';
import { cleanStdinText, decodeOrThrow, readStdin, readTextOption } from '../input.js';
import { applySmartEncoding, checkTextLimit, countSegments, splitSegments, type SegmentCount } from '../core/encoding.js';
import { invalidUtf8Offset, showBytes } from '../core/text-decoding.js';
import { reportJsonLineBound, segmentsReport, writeReportJsonLine } from '../core/segments-report.js';
import { plural, formatCount } from '../core/format.js';

export interface SegmentsFlags {
  text?: string;
  file?: string;
  lines?: boolean;
  smartEncoding?: boolean;
  json?: boolean;
}

export async function runSegments(ctx: Context, flags: SegmentsFlags): Promise<number> {
  if (flags.text !== undefined && flags.file !== undefined) {
    throw new UsageError('--text and --file both give the text to count.', 'Use one of them: --text for the text itself, --file <path> for a file holding it.');
  }
  if (flags.lines) {
    if (flags.text !== undefined) {
      throw new UsageError(
        '--lines counts each line of stdin or of --file; --text gives a single text.',
        'Drop --text and pipe the lines in, or give --file <path>.',
      );
    }
    return runLines(ctx, flags);
  }
  const out = new Output(ctx.io, flags.json === true);
  const original =
    flags.file !== undefined
      ? cleanStdinText(decodeOrThrow(readFileBytes(flags.file), 'file', flags.file))
      : flags.text === undefined
        ? cleanStdinText(await readStdin(ctx.io, '--text'))
        : ((await readTextOption(flags.text, ctx.io)) ?? '');
  if (out.json) {
    out.jsonLine(segmentsReport(original, { smartEncoding: flags.smartEncoding === true }));
    return ExitCode.ok;
  }
  const smart = flags.smartEncoding ? applySmartEncoding(original) : { text: original, replaced: [] };
  const text = smart.text;
  const count = countSegments(text);
  const parts = splitSegments(text, count);
  const limit = checkTextLimit(count);
  const c = out.out;
  const unit = count.encoding === 'GSM-7' ? 'septets' : 'UTF-16 code units';
  out.line(`${c.bold('Encoding')}   ${count.encoding}`);
  out.line(`${c.bold('Segments')}   ${count.segments}`);
  out.line(`${c.bold('Length')}     ${formatCount(count.length)} ${unit} (${count.perSegment} per segment, ${count.remaining} left in the last)`);
  out.line(`${c.bold('Characters')} ${formatCount(count.characters)}`);
  if (count.nonGsm.length > 0) {
    const chars = count.nonGsm.map((ch) => `${JSON.stringify(ch)} U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
    out.line(`${c.yellow('UCS-2 because of')} ${chars}`);
    if (!flags.smartEncoding && applySmartEncoding(original).replaced.length > 0) {
      out.line(c.dim('  --smart-encoding would make this GSM-7 by replacing look-alike characters.'));
    }
  }
  if (smart.replaced.length > 0) out.line(`${c.bold('Replaced')}   ${smart.replaced.map((r) => `${r.from} → ${r.to || '(removed)'}`).join(', ')}`);
  if (parts.length > 1) {
    for (const [i, part] of parts.entries()) out.line(c.dim(`  ${i + 1}: ${JSON.stringify(part)}`));
  }
  if (limit) out.warn(`Too long to send as SMS: the text ${limit}.`);
  else if (count.segments > 1) out.line(c.dim(`  Billed as ${plural(count.segments, 'segment')} per destination.`));
  return ExitCode.ok;
}

/** The whole of `--file <path>`; a file that cannot be read is a usage error naming the flag. */
function readFileBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileError(path, error);
  }
}

function fileError(path: string, error: unknown): UsageError {
  return new UsageError(`Cannot read --file ${path}: ${describeSystemError(error)}.`, 'Check the path (it is read relative to the working directory).');
}

/** Output is handed to stdout in blocks of at most this many bytes. */
const BLOCK_SIZE = 1 << 18;
/** Longest line written straight from its bytes: its worst case fits in one block. */
const DIRECT_MAX = (BLOCK_SIZE - 512) >> 4;
/** Bytes read from `--file` at a time. */
const READ_SIZE = 1 << 20;
const LF = 0x0a;

/**
 * `--lines`: every line of stdin or `--file` is one text, counted and printed as it is read (JSON
 * Lines, or a compact table), so memory stays flat for any input size. A line ends at `\n`; a `\r`
 * before it is dropped, and so is a UTF-8 BOM at the start of the input; a last line without a
 * newline counts, an empty line is a text of 0 segments. A line that is not UTF-8 stops the run
 * with an error naming it, after the results of the lines before it.
 */
async function runLines(ctx: Context, flags: SegmentsFlags): Promise<number> {
  const json = flags.json === true;
  const out = new Output(ctx.io, json);
  const chunks = flags.file !== undefined ? fileChunks(flags.file) : stdinChunks(ctx);
  const writer = new BlockWriter(ctx.io.stdout);
  const format = json ? jsonResult : tableRow(out.out);
  if (!json) await writer.add(`${out.out.bold(TABLE_HEADER)}\n`);
  const smartEncoding = flags.smartEncoding === true;
  const direct = json && !smartEncoding;
  let line = 0;
  /** The start of a line not ended yet, in the pieces it came in. */
  let pending: Buffer[] = [];
  /** `bytes`: whole lines, separated by `\n`, the last one without its own. */
  const countBlock = async (bytes: Buffer): Promise<void> => {
    if (!isUtf8(bytes)) {
      const bad = badLine(bytes, line);
      // The lines before the bad one are counted and printed first, as if it had not been read yet.
      if (bad.start > 0) await countBlock(bytes.subarray(0, bad.start - 1));
      await writer.flush();
      throw bad.error;
    }
    // JSON without smart encoding is written straight from the bytes; otherwise each line is
    // decoded apart: a line of Latin-1 characters (most GSM-7 text) is then a string of one byte a
    // character, which every step after reads faster than one cut from a longer text that holds an
    // emoji.
    let from = line === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    for (;;) {
      const to = bytes.indexOf(LF, from);
      const end = to < 0 ? bytes.length : to;
      const stop = end > from && bytes[end - 1] === 0x0d ? end - 1 : end;
      if (direct && stop - from <= DIRECT_MAX) {
        const full = writer.reserve(reportJsonLineBound(stop - from));
        if (full) await full;
        writer.used = writeReportJsonLine(writer.buffer, writer.used, ++line, bytes, from, stop);
      } else {
        const full = writer.add(format(++line, bytes.toString('utf8', from, stop), smartEncoding));
        if (full) await full;
      }
      if (to < 0) break;
      from = to + 1;
    }
  };
  for await (const chunk of chunks) {
    const last = chunk.lastIndexOf(LF);
    if (last < 0) {
      // A line longer than a chunk: its pieces are joined once its end arrives (joining them
      // chunk by chunk would copy a long line over and over). Copied: `--file` reuses its buffer.
      pending.push(Buffer.from(chunk));
      continue;
    }
    const block = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, last)]) : chunk.subarray(0, last);
    pending = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : [];
    await countBlock(block);
  }
  if (pending.length > 0) await countBlock(Buffer.concat(pending));
  await writer.flush();
  return ExitCode.ok;
}

/** Where the first line of `bytes` that is not UTF-8 starts, and the error naming it (lines before `bytes`: `before`). */
function badLine(bytes: Buffer, before: number): { start: number; error: ValidationError } {
  const offset = invalidUtf8Offset(bytes, true);
  const start = bytes.lastIndexOf(LF, offset) + 1;
  let number = before + 1;
  for (let i = bytes.indexOf(LF); i >= 0 && i < start; i = bytes.indexOf(LF, i + 1)) number++;
  const error = new ValidationError([
    {
      field: `line ${number}`,
      message: `not valid UTF-8: byte ${offset - start + 1} of the line holds ${showBytes(bytes, offset)}. The lines before it were counted; convert the input first (e.g. iconv -f windows-1252 -t utf-8)`,
    },
  ]);
  return { start, error };
}

/** stdin, which must be piped or redirected. */
function stdinChunks(ctx: Context): AsyncIterable<Buffer> {
  if (ctx.io.stdin.isTTY) {
    throw new UsageError(
      '--lines reads the texts from stdin, but nothing is piped to it.',
      'Pipe them in (… | plivo-send segments --lines), or give --file <path>.',
    );
  }
  return ctx.io.stdin as AsyncIterable<Buffer>;
}

/** `--file`, read in large blocks without a stream (a block is valid until the next is read). */
function fileChunks(path: string): Iterable<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  return (function* () {
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    try {
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buffer);
        } catch (error) {
          throw fileError(path, error);
        }
        if (n === 0) return;
        yield buffer.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  })();
}

/** stdout that also takes bytes (src/cli.ts's, when it is not a terminal). */
interface ByteStream extends OutStream {
  writeBytes?(bytes: Uint8Array): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

/**
 * Collects output as UTF-8, line by line, and hands it to `stream` in blocks, waiting whenever the
 * stream asks to. Encoding each line as it comes costs a quarter of joining the lines into one
 * string and encoding that (a string of many parts is copied whole first, and widened to two bytes
 * a character when one of them needs it).
 */
class BlockWriter {
  /** The block; `used` bytes of it are filled (a caller may fill more after reserve()). */
  readonly buffer = Buffer.allocUnsafe(BLOCK_SIZE);
  used = 0;
  constructor(private readonly stream: ByteStream) {}

  /** Makes room for `n` bytes (at most BLOCK_SIZE); a promise only when the block had to be handed over first. */
  reserve(n: number): Promise<void> | undefined {
    return this.used + n <= BLOCK_SIZE ? undefined : this.flush();
  }

  /** Adds `s`; a promise only when the block was full and had to be handed over first (await it). */
  add(s: string): Promise<void> | undefined {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + s.length * 3 <= BLOCK_SIZE) {
      this.used += this.buffer.write(s, this.used);
      return undefined;
    }
    return this.flush().then(() => (s.length * 3 > BLOCK_SIZE ? this.send(s) : void this.add(s)));
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const block = this.buffer.subarray(0, this.used);
    this.used = 0;
    await this.send(block);
  }

  private async send(chunk: string | Buffer): Promise<void> {
    const stream = this.stream;
    const ready = typeof chunk === 'string' ? stream.write(chunk) : stream.writeBytes ? stream.writeBytes(chunk) : stream.write(chunk.toString());
    if (ready === false && stream.once) await new Promise<void>((resolve) => stream.once!('drain', resolve));
  }
}

/**
 * One line's result as a JSON line: `line`, then the fields of `segments --json` (segmentsReport's,
 * in its order), written out rather than JSON.stringify of an object (less than half the time).
 */
function jsonResult(line: number, original: string, smartEncoding: boolean): string {
  const smart = smartEncoding ? applySmartEncoding(original) : undefined;
  const text = smart ? smart.text : original;
  const count = countSegments(text);
  let s = `{"line":${line},"encoding":"${count.encoding}","segments":${count.segments},"length":${count.length},"characters":${count.characters},"per_segment":${count.perSegment},"remaining":${count.remaining},"non_gsm":${count.encoding === 'GSM-7' ? '[]' : jsonChars(count.nonGsm)},"parts":${jsonStrings(splitSegments(text, count))}`;
  if (smart) s += `,"replaced":${JSON.stringify(smart.replaced)},"text":${JSON.stringify(text)}`;
  return `${s},"within_limit":${checkTextLimit(count) === undefined}}\n`;
}

/** What JSON must escape in a string (a lone surrogate too: JSON.stringify writes it as \\uXXXX). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(strings), with less work per string: most texts need no escape. */
function jsonStrings(strings: readonly string[]): string {
  for (let i = 0; i < strings.length; i++) {
    if (JSON_ESCAPED.test(strings[i]!)) return JSON.stringify(strings);
  }
  return strings.length === 0 ? '[]' : `["${strings.join('","')}"]`;
}

/** JSON.stringify(chars) for the characters that forced UCS-2 (never `"` or `\\`, which are GSM-7). */
function jsonChars(chars: readonly string[]): string {
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!.charCodeAt(0);
    // A control character, or a surrogate: a lone one needs an escape (a pair, none, but it is rare).
    if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(chars);
  }
  return `["${chars.join('","')}"]`;
}

const TABLE_HEADER = `${'LINE'.padStart(7)}  ENCODING  SEGMENTS  LENGTH  CHARACTERS  NOTES`;

/** One line's result as a row under TABLE_HEADER. */
function tableRow(styles: Styles): (line: number, original: string, smartEncoding: boolean) => string {
  return (line, original, smartEncoding) => {
    const smart = smartEncoding ? applySmartEncoding(original) : undefined;
    const count = countSegments(smart ? smart.text : original);
    const notes = rowNotes(count, smart?.replaced.length ?? 0);
    return `${String(line).padStart(7)}  ${count.encoding.padEnd(8)}  ${String(count.segments).padStart(8)}  ${String(count.length).padStart(6)}  ${String(count.characters).padStart(10)}${notes ? `  ${styles.dim(notes)}` : ''}\n`;
  };
}

function rowNotes(count: SegmentCount, replaced: number): string {
  const notes: string[] = [];
  if (count.nonGsm.length > 0) notes.push(`UCS-2 because of ${count.nonGsm.map((ch) => JSON.stringify(ch)).join(' ')}`);
  if (replaced > 0) notes.push(`${plural(replaced, 'look-alike')} replaced`);
  const limit = checkTextLimit(count);
  if (limit) notes.push('too long to send as SMS');
  return notes.join('; ');
}
