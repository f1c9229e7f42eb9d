// Encoding core throughput on 100-character messages, against sms-segments-calculator (Twilio's
// counter), and agreement between the two on a shared corpus.
import { createRequire } from 'node:module';
import { countSegments } from '../dist/core/encoding.js';

const require = createRequire(import.meta.url);
const { SegmentedMessage } = require('sms-segments-calculator');

export const CLASSES = [
  'plain ASCII (GSM-7)',
  'GSM-7 with extension characters',
  'accented Latin (UCS-2)',
  'Cyrillic (UCS-2)',
  'emoji and curly quotes (UCS-2)',
];

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?',
  'abcdefghijklmnopqrstuvwxyz {}[]~^|\\€ 0123456789',
  'Ça va très bien, merci! Åse Øre Ñandú §¿¡ ÄÖÜäöüß ΔΦΓΛΩΠΨΣΘΞ',
  'Привет, как дела? Съешь же ещё этих мягких французских булок',
  'Hello 👍🙂🎉 world ☕ “quoted” — dash',
];

/** Deterministic pseudo-random corpus (a linear congruential generator, so runs compare). */
export function makeCorpus(count, length) {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const out = [];
  for (let i = 0; i < count; i++) {
    const alphabet = [...ALPHABETS[i % ALPHABETS.length]];
    const chars = [];
    let units = 0;
    while (units < length) {
      const ch = alphabet[next() % alphabet.length];
      chars.push(ch);
      units += ch.length;
    }
    // Joined once, so each message is a flat string, as text read from argv, stdin or a CSV is.
    out.push(chars.join('').slice(0, length));
  }
  return out;
}

function throughput(fn, corpus, minMs) {
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < corpus.length; i++) fn(corpus[i]);
    done += corpus.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (done / elapsed) * 1000;
}

export function measureEncoding({ minMs = 1500 } = {}) {
  const corpus = makeCorpus(10_000, 100);
  let sink = 0;
  const ours = throughput((t) => (sink += countSegments(t).segments), corpus, minMs);
  const theirs = throughput((t) => (sink += new SegmentedMessage(t).segmentsCount), corpus.slice(0, 2000), minMs);
  // Agreement on segments and encoding, over short, 100-character and long messages.
  const shared = [...makeCorpus(2000, 100), ...makeCorpus(500, 159), ...makeCorpus(500, 161), ...makeCorpus(500, 400)];
  let mismatches = 0;
  for (const text of shared) {
    const a = countSegments(text);
    const b = new SegmentedMessage(text);
    const theirEncoding = b.encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2';
    if (a.segments !== b.segmentsCount || a.encoding !== theirEncoding) mismatches++;
  }
  // The same, one kind of text at a time: the mix hides how different they are.
  const perClass = CLASSES.map((name, k) => ({
    name,
    perSec: throughput(
      (t) => (sink += countSegments(t).segments),
      corpus.filter((_, i) => i % ALPHABETS.length === k),
      minMs / 3,
    ),
  }));
  return { oursPerSec: ours, theirsPerSec: theirs, ratio: ours / theirs, corpus: shared.length, mismatches, perClass, sink };
}
