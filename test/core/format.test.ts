import { describe, expect, it } from 'vitest';
import { formatCount, plural } from '../../src/core/format.js';

describe('formatCount', () => {
  it('groups thousands exactly as toLocaleString("en-US") does', () => {
    const values = [0, 1, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 2_000_000_001, Number.MAX_SAFE_INTEGER, -1, -999, -1000, -1_234_567];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10 ** Math.ceil(Math.random() * 15)));
    for (const n of values) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves fractions and unsafe integers to toLocaleString', () => {
    for (const n of [1234.5, 0.25, 1e21, Number.NaN]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });

  it('is what plural() writes', () => {
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(12_000, 'row')).toBe('12,000 rows');
  });
});
