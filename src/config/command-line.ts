/**
 * The `authTokenCommand` setting as words: a list is the program and its arguments; a string is
 * split the way a shell splits plain words, with nothing expanded (no shell ever runs it).
 */

/**
 * Splits a command line into words at spaces, with '…' and "…" grouping and \ escaping; nothing
 * is expanded ($VAR, ~, globs) and there are no pipes. Undefined when a quote is left open.
 */
export function splitCommand(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word = (word ?? '') + ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word = (word ?? '') + line[++i]!;
      else word = (word ?? '') + ch;
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]!;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

const EXAMPLE = '"pass show plivo/auth-token"';
const LIST_EXAMPLE = '["pass", "show", "plivo/auth-token"]';

/** Why the value cannot be run (checked when the config file is read, like every other key), or undefined. */
export function tokenCommandProblem(value: string | string[]): string | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) return `is an empty list; give the program and its arguments, e.g. ${LIST_EXAMPLE}`;
    if (value[0]!.trim() === '') return `must start with the program to run, e.g. ${LIST_EXAMPLE}`;
    return undefined;
  }
  const words = splitCommand(value);
  if (words === undefined) return `has a quote that is not closed; close it, or give the command as a list: ${LIST_EXAMPLE}`;
  if (words.length === 0 || words[0]!.trim() === '') return `is empty; give the command that prints the token, e.g. ${EXAMPLE}`;
  return undefined;
}

/** The program and its arguments of a value `tokenCommandProblem` accepts. */
export function commandWords(value: string | string[]): string[] {
  return Array.isArray(value) ? value : (splitCommand(value) ?? []);
}
