/**
 * Hashes for batch bookkeeping. `hash64` is a fast non-cryptographic hash (two independent 32-bit
 * lanes, cyrb53-style mixing) for duplicate detection; `bodyHash` is a SHA-256 prefix that the
 * journal stores to prove on resume that a row still renders to the same request body.
 */
import { createHash } from 'node:crypto';

/** 64-bit hash of a string as [hi, lo]; written into `out` to avoid an allocation per row. */
export function hash64(text: string, out: Uint32Array): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
}

/** 32-bit hash of a string (the first lane of `hash64`). */
export function hash32(text: string): number {
  const out = new Uint32Array(2);
  hash64(text, out);
  return out[0]!;
}

/** First 16 hex digits of SHA-256 over the exact JSON body. */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}

/** Slots per segment once the set is large: 3 MB each (12 bytes a slot). */
const SEGMENT_SLOTS = 1 << 18;

interface Segment {
  hi: Uint32Array;
  lo: Uint32Array;
  rows: Uint32Array;
  mask: number;
  size: number;
}

function makeSegment(slots: number): Segment {
  return { hi: new Uint32Array(slots), lo: new Uint32Array(slots), rows: new Uint32Array(slots), mask: slots - 1, size: 0 };
}

function insert(segment: Segment, home: number, hi: number, lo: number, row: number): void {
  let i = home & segment.mask;
  while (segment.rows[i] !== 0) i = (i + 1) & segment.mask;
  segment.hi[i] = hi;
  segment.lo[i] = lo;
  segment.rows[i] = row;
  segment.size++;
}

function homeOf(hi: number, lo: number): number {
  return lo ^ Math.imul(hi, 0x9e3779b1);
}

/**
 * An open-addressing set of 64-bit hashes, each remembering the row that first had it, 12 bytes a
 * slot at a load factor ≤ 0.5. Small, it doubles; past SEGMENT_SLOTS it adds fixed 3 MB segments
 * instead, so memory grows in steps with no transient copy (1,000,000 distinct rows: 8 segments,
 * 24 MB) — a doubling table would briefly hold 36 MB. It stops accepting new entries at
 * `maxEntries` (`full` turns true) so that memory stays bounded whatever the input size.
 */
export class HashSet64 {
  private readonly segments: Segment[];
  size = 0;
  full = false;

  constructor(
    private readonly maxEntries = 2_000_000,
    initialCapacity = 1 << 16,
  ) {
    this.segments = [makeSegment(Math.min(initialCapacity, SEGMENT_SLOTS))];
  }

  /**
   * Adds the hash for `row` (≥ 1). Returns the row that added it first when it was already there,
   * 0 when it is new (or when the set is full and could not take it).
   */
  addOrGet(hi: number, lo: number, row: number): number {
    const home = homeOf(hi, lo);
    for (const segment of this.segments) {
      for (let i = home & segment.mask; ; i = (i + 1) & segment.mask) {
        const r = segment.rows[i]!;
        if (r === 0) break;
        if (segment.hi[i] === hi && segment.lo[i] === lo) return r;
      }
    }
    if (this.size >= this.maxEntries) {
      this.full = true;
      return 0;
    }
    let last = this.segments[this.segments.length - 1]!;
    if ((last.size + 1) * 2 > last.mask + 1) {
      if (this.segments.length === 1 && last.mask + 1 < SEGMENT_SLOTS) {
        const grown = makeSegment((last.mask + 1) * 2);
        for (let j = 0; j <= last.mask; j++) if (last.rows[j] !== 0) insert(grown, homeOf(last.hi[j]!, last.lo[j]!), last.hi[j]!, last.lo[j]!, last.rows[j]!);
        this.segments[0] = last = grown;
      } else {
        last = makeSegment(SEGMENT_SLOTS);
        this.segments.push(last);
      }
    }
    insert(last, home, hi, lo, row);
    this.size++;
    return 0;
  }
}
