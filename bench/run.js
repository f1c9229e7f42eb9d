// npm run bench [-- --write] [-- --quick]: every figure of the performance issue, measured side by
// side in one run, printed as a table; --write also records it in BENCHMARKS.md.
import { execSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, ROOT } from './lib.js';
import { measureStartup } from './startup.js';
import { measureEncoding } from './encoding.js';
import { measureDryRun } from './dry-run.js';
import { measureSegmentsLines } from './segments-lines.js';
import { measureLiveBatch } from './live-batch.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const rows = [];
const add = (figure, measured, target, met) => {
  rows.push({ figure, measured, target, met: met === undefined ? '—' : met ? 'yes' : 'NO' });
  process.stderr.write(`  ${figure}: ${measured}\n`);
};

process.stderr.write('Measuring (this takes a few minutes)…\n');

const startup = measureStartup({ runs: quick ? 10 : 40 });
for (const [name, command] of [
  ['segments', '`segments --text hello --json`'],
  ['version', '`--version`'],
]) {
  const s = startup[name];
  add(
    `start-up: ${command} / \`node -e 0\` (median wall time, clean environment)`,
    `${fmt(s.ms, 1)} ms / ${fmt(startup.nodeMs, 1)} ms = ${fmt(s.ratio, 2)}×, +${fmt(s.addedMs, 1)} ms`,
    '≤ 1.3×, ≤ +7 ms',
    s.ratio <= 1.3 && s.addedMs <= 7,
  );
}

const enc = measureEncoding({ minMs: quick ? 500 : 2000 });
add(
  'encoding core, 100-character messages (an equal mix of the five kinds below)',
  `${fmt(enc.oursPerSec / 1e6, 2)} M messages/s`,
  '≥ 5 M/s',
  enc.oursPerSec >= 5e6,
);
for (const c of enc.perClass) add(`… ${c.name}`, `${fmt(c.perSec / 1e6, 2)} M messages/s`, '≥ 5 M/s', c.perSec >= 5e6);
add('… against sms-segments-calculator', `${fmt(enc.ratio, 0)}× (${fmt(enc.theirsPerSec, 0)} messages/s)`, '≥ 100×', enc.ratio >= 100);
add('… agreement on a shared corpus', `${enc.corpus - enc.mismatches} of ${fmt(enc.corpus)} agree`, 'all', enc.mismatches === 0);

const small = await measureDryRun(quick ? 10_000 : 100_000);
const big = await measureDryRun(quick ? 100_000 : 1_000_000);
const unchecked = await measureDryRun(big.rows, ['--no-number-check']);
add(
  `dry run, ${fmt(big.rows)} rows (--csv --dry-run --json), every number checked, median of ${big.runs}`,
  `${fmt(big.rowsPerSec, 0)} rows/s`,
  '≥ 80,000 rows/s',
  big.rowsPerSec >= 80_000,
);
add(
  `… with --no-number-check`,
  `${fmt(unchecked.rowsPerSec, 0)} rows/s (${fmt(unchecked.peakRssMb, 0)} MB peak RSS)`,
  '≥ 100,000 rows/s',
  unchecked.rowsPerSec >= 100_000,
);
add(`… peak RSS, ${fmt(big.rows)} rows`, `${fmt(big.peakRssMb, 0)} MB`, '≤ 200 MB', big.peakRssMb <= 200);
add(
  `… peak RSS ${fmt(big.rows)} / ${fmt(small.rows)} rows`,
  `${fmt(big.peakRssMb / small.peakRssMb, 2)}× (${fmt(small.peakRssMb, 0)} MB)`,
  '≤ 1.3×',
  big.peakRssMb / small.peakRssMb <= 1.3,
);

const lines = await measureSegmentsLines(quick ? 100_000 : 1_000_000);
add(
  `segments --lines --json, ${fmt(lines.lines)} mixed lines (--file)`,
  `${fmt(lines.textsPerSec, 0)} texts/s, best of ${lines.runs} (${fmt(lines.cpuUsPerText, 2)} µs CPU per text, ${fmt(lines.peakRssMb, 0)} MB peak RSS)`,
  '≥ 500,000 texts/s',
  lines.textsPerSec >= 500_000,
);

const live = await measureLiveBatch({ rows: quick ? 500 : 2000 });
add(
  `live batch, ${fmt(live.rows)} rows, 50 ms answers, concurrency 50, journal on, median of ${live.runs}`,
  `${fmt(live.oursPerSec, 0)} msg/s vs SDK + p-limit ${fmt(live.sdkPerSec, 0)} msg/s (${fmt(live.ratio, 2)}×)`,
  '≥ 1.05× SDK',
  live.ratio >= 1.05,
);
add('CPU time per sent message', `${fmt(live.oursCpuPerMsg, 3)} ms (SDK ${fmt(live.sdkCpuPerMsg, 3)} ms)`, '≤ SDK', live.oursCpuPerMsg <= live.sdkCpuPerMsg);

const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const header = `Run on ${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}) · Node ${process.version} · commit ${commit}${quick ? ' · quick mode' : ''}`;
const table = [
  '| figure | measured | target | met |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.figure} | ${r.measured} | ${r.target} | ${r.met} |`),
].join('\n');
process.stdout.write(`\n${header}\n\n${table}\n`);

if (args.has('--write')) {
  const doc = `# Benchmarks\n\nMeasured by \`npm run bench -- --write\` (scripts in \`bench/\`). Each ratio compares figures taken in the\nsame run; start-up times are medians of interleaved runs, each in a clean environment (only \`PATH\`\nand \`HOME\`: a variable such as \`NODE_EXTRA_CA_CERTS\` slows every Node start alike and hides the\ndifference). The live batch runs each side once unmeasured first (plivo-send then has its code\ncache, as after a user's first batch); with its journal on, plivo-send reads Plivo's clock before\nthe first row, one more 50 ms round trip than the SDK makes. The machines are shared and noisy:\nread the ratios, not the absolute numbers.\n\n${header}\n\n${table}\n`;
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), doc);
  process.stderr.write('Wrote BENCHMARKS.md\n');
}
