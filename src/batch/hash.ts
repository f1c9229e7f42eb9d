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

/**
 * An open-addressing set of 64-bit hashes, each remembering the row that first had it: 12 bytes
 * per slot at a load factor ≤ 0.5, so 1,000,000 distinct rows take 2^21 slots = 24 MB (plus the
 * old table while it grows). It stops accepting new entries at `maxEntries` (`full` turns true)
 * so that memory stays bounded whatever the input size.
 */
export class HashSet64 {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private rows: Uint32Array;
  private mask: number;
  size = 0;
  full = false;

  constructor(
    private readonly maxEntries = 2_000_000,
    initialCapacity = 1 << 16,
  ) {
    this.hi = new Uint32Array(initialCapacity);
    this.lo = new Uint32Array(initialCapacity);
    this.rows = new Uint32Array(initialCapacity);
    this.mask = initialCapacity - 1;
  }

  /**
   * Adds the hash for `row` (≥ 1). Returns the row that added it first when it was already there,
   * 0 when it is new (or when the set is full and could not take it).
   */
  addOrGet(hi: number, lo: number, row: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const r = this.rows[i]!;
      if (r === 0) break;
      if (this.hi[i] === hi && this.lo[i] === lo) return r;
      i = (i + 1) & this.mask;
    }
    if (this.size >= this.maxEntries) {
      this.full = true;
      return 0;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.rows[i] = row;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.grow();
    return 0;
  }

  private grow(): void {
    const { hi, lo, rows } = this;
    const capacity = (this.mask + 1) * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < rows.length; j++) {
      if (rows[j] === 0) continue;
      let i = (lo[j]! ^ Math.imul(hi[j]!, 0x9e3779b1)) & this.mask;
      while (this.rows[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      this.rows[i] = rows[j]!;
    }
  }
}
