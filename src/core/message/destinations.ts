import { checkPhoneNumber, MAX_DESTINATIONS, parseDestinations } from '../numbers.js';
import { collectProblems, type Part } from './options.js';

export interface DestinationFields {
  dst: string;
}

/**
 * Destinations, sanitised and without repeats, joined with `<` as Plivo takes them. `src` is the
 * sender as sent, so that a message to its own source number is refused.
 */
export function checkDestinations(dst: readonly string[] | undefined, src: string | undefined): Part<DestinationFields> & { destinations: string[] } {
  const { problems, add } = collectProblems();
  const placeholder = dst?.find((d) => d.includes('{{'));
  if (placeholder !== undefined)
    add('dst', `'${placeholder}' is a placeholder: it is filled from a CSV column only in batch mode (--csv <file>); give a number here`);
  const destinations = parseDestinations(dst ?? []).filter((d) => d !== '');
  if (destinations.length === 0) add('dst', 'at least one destination is required: pass --dst <number> with the country code');
  if (destinations.length > MAX_DESTINATIONS)
    add('dst', `at most ${MAX_DESTINATIONS} unique numbers per request (got ${destinations.length}); split them into several sends or use --csv`);
  // A placeholder is reported once, not also as a number that is not valid.
  for (const number of placeholder === undefined ? destinations : []) {
    const problem = checkPhoneNumber(number);
    if (problem) add('dst', problem);
    else if (src !== undefined && number === src) add('dst', `'${number}' is also the sender; a message cannot be sent to its own source number`);
  }
  return { fields: { dst: destinations.join('<') }, destinations, problems };
}
