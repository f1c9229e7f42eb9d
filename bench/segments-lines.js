// `segments --lines --json` on 1,000,000 mixed lines (GSM-7, GSM-7 with extension characters,
// UCS-2, emoji, long multi-segment texts): texts/s end to end (start-up included), CPU time per text
// and peak RSS.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runMeasured, writeLines } from './lib.js';
import { TMP } from './dry-run.js';
import { makeCorpus } from './encoding.js';

/**
 * A file of `lines` texts, written once and reused: the five kinds of bench/encoding.js in equal
 * shares, 40% of them 40 characters long, 40% 100 (two UCS-2 segments) and 20% 400 (several segments).
 */
async function makeLines(lines) {
  mkdirSync(TMP, { recursive: true });
  const path = join(TMP, `lines-${lines}.txt`);
  if (existsSync(path)) return path;
  const corpus = [...makeCorpus(2000, 40), ...makeCorpus(2000, 100), ...makeCorpus(1000, 400)].map((t) => t.replaceAll(/[\r\n]/g, ' '));
  await writeLines(path, lines, (i) => corpus[(i * 7919) % corpus.length]);
  return path;
}

/**
 * The best of `runs` runs (the machines are shared: a slower run measures the neighbours); CPU time
 * per text is the least of the runs, peak RSS the most.
 */
export async function measureSegmentsLines(lines, { runs = 3 } = {}) {
  const path = await makeLines(lines);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const result = await runMeasured([BIN, 'segments', '--lines', '--json', '--file', path]);
    if (result.code !== 0) throw new Error(`segments --lines exited ${result.code}: ${result.stderr.slice(-1000)}`);
    results.push(result);
  }
  const wallMs = Math.min(...results.map((r) => r.wallMs));
  return {
    lines,
    runs,
    wallMs,
    textsPerSec: (lines / wallMs) * 1000,
    cpuUsPerText: (Math.min(...results.map((r) => r.cpuMs)) * 1000) / lines,
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
  };
}
