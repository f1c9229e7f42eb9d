import type { z } from 'zod';
import type { Problem } from '../errors.js';

/**
 * Turns zod issues into `field: message` problems. `prefix` is prepended to each path so that a
 * nested schema reports `interactive.action.buttons` rather than `action.buttons`.
 */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], prefix = ''): Problem[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = prefix && path ? `${prefix}.${path}` : prefix || path || '(body)';
    return { field, message: issue.message };
  });
}
