/**
 * The library entry (`import { countSegments } from 'plivo-send'`): pure functions only, bundled
 * apart from the CLI by scripts/build-lib.js, so that importing it loads no CLI, HTTP client or sandbox.
 */
import { segmentsReport, type SegmentsOptions, type SegmentsReport } from './core/segments-report.js';

export type { Encoding } from './core/encoding.js';
export type { SegmentsOptions, SegmentsReport };

/**
 * Counts a text's SMS segments offline, as carriers bill them: the same object that
 * `plivo-send segments --json` prints for that text (and `--smart-encoding`).
 */
export function countSegments(text: string, options: SegmentsOptions = {}): SegmentsReport {
  if (typeof text !== 'string') throw new TypeError(`countSegments: text must be a string, not ${text === null ? 'null' : typeof text}`);
  return segmentsReport(text, options);
}
