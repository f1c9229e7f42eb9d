import { describe, expect, it } from 'vitest';
import { NumberClaims } from '../../src/batch/number-claims.js';

describe('NumberClaims: one row at a time per number, in row order', () => {
  it('a row waits for every earlier row to any of its numbers; rows to other numbers do not wait', () => {
    const claims = new NumberClaims();
    const r1 = claims.enqueue(1, ['A']);
    const r2 = claims.enqueue(2, ['B']);
    const r3 = claims.enqueue(3, ['A', 'B']);
    const r4 = claims.enqueue(4, ['B']);
    const r5 = claims.enqueue(5, ['C']);
    expect([r1, r2, r3, r4, r5].map((t) => t.ready)).toEqual([true, true, false, false, true]);
    r2.release();
    expect(r3.ready).toBe(false); // still behind row 1 on A
    r1.release();
    expect(r3.ready).toBe(true);
    expect(r4.ready).toBe(false); // row 3 holds B
    r3.release();
    expect(r4.ready).toBe(true);
  });

  it('whenReady resolves once the turn comes; a row leaving before its turn (Ctrl-C) does not pass the turn on early', async () => {
    const claims = new NumberClaims();
    const r1 = claims.enqueue(1, ['A']);
    const r2 = claims.enqueue(2, ['A']);
    const r3 = claims.enqueue(3, ['A']);
    let third = false;
    const waiting = r3.whenReady().then(() => (third = true));
    r2.release();
    await Promise.resolve();
    expect(third).toBe(false);
    r1.release();
    r1.release(); // idempotent
    await waiting;
    expect(third).toBe(true);
  });

  it('blocks the numbers of an unknown row for good, naming the first blocking row', () => {
    const claims = new NumberClaims();
    claims.block(4, ['A', 'B']);
    claims.block(9, ['B', 'C'], true);
    expect(claims.blockerOf(['D', 'B'])).toEqual({ number: 'B', row: 4, earlier: false });
    expect(claims.blockerOf(['C'])).toEqual({ number: 'C', row: 9, earlier: true });
    expect(claims.blockerOf(['D'])).toBeUndefined();
  });
});
