import { MAX_DESTINATIONS } from '../numbers.js';
import { readNumber, type NumberRules } from '../phone.js';
import { collectProblems, type Part } from './options.js';

export interface DestinationFields {
  dst: string;
}

/**
 * Destinations read with `rules` (country of national numbers, the metadata check), without
 * repeats, joined with `<` as Plivo takes them; `countries` holds each one's country (for prices).
 * `src` is the sender as sent, so that a message to its own source number is refused.
 */
export function checkDestinations(
  dst: readonly string[] | undefined,
  src: string | undefined,
  rules: NumberRules = { check: true },
): Part<DestinationFields> & { destinations: string[]; countries: Array<string | undefined>; suppressed: Array<{ number: string; list: string }> } {
  const { problems, add } = collectProblems();
  const destinations: string[] = [];
  const suppressed: Array<{ number: string; list: string }> = [];
  const countries: Array<string | undefined> = [];
  const placeholder = dst?.find((d) => d.includes('{{'));
  if (placeholder !== undefined) {
    add('dst', `'${placeholder}' is a placeholder: it is filled from a CSV column only in batch mode (--csv <file>); give a number here`);
  } else {
    const seen = new Set<string>();
    for (const value of dst ?? []) {
      for (const part of value.split('<')) {
        if (part.trim() === '') continue;
        const read = readNumber(part, rules);
        if (!read.ok) {
          add('dst', read.hint ? `${read.problem}. ${read.hint.replace(/\.$/, '')}` : read.problem);
          continue;
        }
        if (seen.has(read.number)) continue;
        seen.add(read.number);
        const list = rules.suppressed?.(read.number);
        if (list !== undefined) {
          suppressed.push({ number: read.number, list });
          continue;
        }
        if (src !== undefined && read.number === src) add('dst', `'${read.number}' is also the sender; a message cannot be sent to its own source number`);
        destinations.push(read.number);
        countries.push(read.country);
      }
    }
    if (suppressed.length > 0 && (destinations.length > 0 || problems.length > 0)) {
      // Some numbers of one message suppressed: sending to the rest would be a different message than asked for.
      const shown = suppressed.map((s) => `${s.number} (${s.list})`).join(', ');
      add(
        'dst',
        `${shown} ${suppressed.length === 1 ? 'is' : 'are'} on the suppression list; remove ${suppressed.length === 1 ? 'it' : 'them'} from this message`,
      );
    }
    if (destinations.length === 0 && suppressed.length === 0 && problems.length === 0)
      add('dst', 'at least one destination is required: pass --dst <number> with the country code');
  }
  if (destinations.length > MAX_DESTINATIONS)
    add('dst', `at most ${MAX_DESTINATIONS} unique numbers per request (got ${destinations.length}); split them into several sends or use --csv`);
  return { fields: { dst: destinations.join('<') }, destinations, countries, suppressed, problems };
}
