import type * as z from 'zod';

/** One validation problem: `field` is a dotted path (`dst`, `template.components.0.index`). */
export interface Problem {
  field: string;
  message: string;
}

/**
 * Turns zod issues into `field: message` problems. `prefix` is prepended to each path so that a
 * nested schema reports `interactive.action.buttons` rather than `action.buttons`.
 */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], prefix = ''): Problem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    const join = (tail: string) => [prefix, tail].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: join(path ? `${path}.${key}` : key), message: 'is not a known key (check its spelling and case)' }));
    }
    return [{ field: join(path) || '(body)', message: issue.message }];
  });
}
