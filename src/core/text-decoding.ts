/**
 * Strict text decoding (pure). Bytes that are not valid in their encoding are an error that names
 * their offset, never U+FFFD: a replacement character would be sent, and would turn a GSM-7 text
 * into UCS-2 (more segments billed) besides.
 */

export type StrictDecode = { ok: true; text: string } | { ok: false; offset: number; bytes: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 or reports the byte offset of the first invalid sequence. */
export function decodeUtf8Strict(bytes: Uint8Array): StrictDecode {
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    const offset = invalidUtf8Offset(bytes, true);
    return { ok: false, offset, bytes: showBytes(bytes, offset) };
  }
}

/**
 * Offset of the first byte that does not start a valid UTF-8 sequence, or -1. A sequence cut off
 * by the end of `bytes` is invalid when `final`, else left for the next chunk (not reported).
 */
export function invalidUtf8Offset(bytes: Uint8Array, final: boolean): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (more === 0) return i;
    // The second byte's range excludes overlong forms and surrogates (RFC 3629, section 4).
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined) return final ? i : -1;
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/** Length of `bytes` without a UTF-8 sequence cut off at its end (the rest waits for more). */
export function completeUtf8Length(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Offset (even) of the first UTF-16LE code unit that is an unpaired surrogate, or -1. `bytes`
 * holds whole code units; a high surrogate at its very end is invalid only when `final`.
 */
export function invalidUtf16leOffset(bytes: Uint8Array, final: boolean): number {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const unit = bytes[i]! | (bytes[i + 1]! << 8);
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 3 >= bytes.length) return final ? i : -1;
      const low = bytes[i + 2]! | (bytes[i + 3]! << 8);
      if (low < 0xdc00 || low > 0xdfff) return i;
      i += 2;
    }
  }
  return bytes.length % 2 === 1 && final ? bytes.length - 1 : -1;
}

/** Length of `bytes` in whole UTF-16LE code units, without a high surrogate at its end. */
export function completeUtf16leLength(bytes: Uint8Array): number {
  const even = bytes.length - (bytes.length % 2);
  if (even < 2) return even;
  const last = bytes[even - 2]! | (bytes[even - 1]! << 8);
  return last >= 0xd800 && last <= 0xdbff ? even - 2 : even;
}

/** Windows-1252 0x80–0x9F (the WHATWG Encoding Standard's table); the rest is ISO-8859-1. */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Windows-1252 as Excel on Windows writes it. Written out rather than left to TextDecoder: some
 * Node builds decode 'windows-1252' as ISO-8859-1, turning € and curly quotes into control codes.
 */
export function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

/** The bytes at `offset`, as `0xE9 0x20` (up to 4), for an error message. */
export function showBytes(bytes: Uint8Array, offset: number): string {
  return [...bytes.subarray(offset, offset + 4)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Index of the first unpaired surrogate of `text` (no character can be encoded from it), or -1. */
export function loneSurrogateIndex(text: string): number {
  return text.search(LONE_SURROGATE);
}
