// `sms --csv big.csv --dry-run --json` on 100,000 and 1,000,000 rows (with and without the check of
// each number against its country's numbering plan): rows/s and peak RSS.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { batchArgs, median, ROOT, runMeasured, writeLines } from './lib.js';

export const TMP = join(ROOT, '.bench-tmp');

/** A CSV of `rows` recipients (dst, name, code; distinct numbers up to 8,000,000 rows), written once and reused. */
export async function makeCsv(rows) {
  mkdirSync(TMP, { recursive: true });
  // Numbers valid in the US numbering plan (exchanges 200–999), as the dry run checks them.
  const path = join(TMP, `recipients-valid-${rows}.csv`);
  if (existsSync(path)) return path;
  await writeLines(
    path,
    rows,
    (i) => `1415${200 + (Math.floor(i / 10_000) % 800)}${String(i % 10_000).padStart(4, '0')},"Customer ${i}",${100000 + (i % 900000)}`,
    'dst,name,code\n',
  );
  return path;
}

/**
 * `extra`: more flags, such as --no-number-check. Medians of `runs` runs: V8 sizes its heap from
 * the allocation rate it sees, and one run in a few peaks tens of megabytes above the others.
 */
export async function measureDryRun(rows, extra = [], { runs = 3 } = {}) {
  const csv = await makeCsv(rows);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const result = await runMeasured(batchArgs(csv, '--dry-run', '--json', ...extra));
    if (result.code !== 0) throw new Error(`dry run exited ${result.code}: ${result.stderr.slice(-1000)}`);
    results.push(result);
  }
  const wallMs = median(results.map((r) => r.wallMs));
  return { rows, runs, wallMs, rowsPerSec: (rows / wallMs) * 1000, peakRssMb: median(results.map((r) => r.peakRssMb)) };
}
