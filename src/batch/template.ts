/**
 * `--text` templates in batch mode: `{{column}}` placeholders, compiled once into literal and
 * placeholder parts so that filling a row is a few string concatenations, not a regex per row.
 * There is no escape for a literal `{{`: a message that needs one goes in a `text` column.
 */

export interface Template {
  /** `literals[i]` comes before placeholder `i`; there is one more literal than placeholders. */
  literals: string[];
  /** Column names, trimmed (`{{ name }}` is `name`). */
  names: string[];
}

export type CompiledTemplate = { ok: true; template: Template } | { ok: false; problem: string };

export function compileTemplate(text: string): CompiledTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, problem: `'{{' at character ${open + 1} is never closed with '}}'` };
    const name = text.slice(open + 2, close).trim();
    if (name === '' || name.includes('{')) return { ok: false, problem: `'${text.slice(open, close + 2)}' at character ${open + 1} does not name a column` };
    literals.push(text.slice(from, open));
    names.push(name);
    from = close + 2;
  }
  literals.push(text.slice(from));
  return { ok: true, template: { literals, names } };
}

/** Column index of each placeholder in `header`, or -1 when the CSV has no such column. */
export function bindTemplate(template: Template, header: readonly string[]): Int32Array {
  const indices = new Int32Array(template.names.length);
  for (let i = 0; i < template.names.length; i++) indices[i] = header.indexOf(template.names[i]!);
  return indices;
}
