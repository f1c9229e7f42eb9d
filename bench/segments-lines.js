// `segments --lines --json` on 1,000,000 mixed lines (GSM-7, GSM-7 with extension characters,
// UCS-2, emoji, long multi-segment texts): texts/s end to end (start-up included) and peak RSS.
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { BIN, runMeasured } from './lib.js';
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
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    chunk += `${corpus[(i * 7919) % corpus.length]}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return path;
}

export async function measureSegmentsLines(lines) {
  const path = await makeLines(lines);
  const result = await runMeasured([BIN, 'segments', '--lines', '--json', '--file', path]);
  if (result.code !== 0) throw new Error(`segments --lines exited ${result.code}: ${result.stderr.slice(-1000)}`);
  return { lines, wallMs: result.wallMs, textsPerSec: (lines / result.wallMs) * 1000, peakRssMb: result.peakRssMb };
}
