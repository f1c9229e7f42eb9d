import { describe, expect, it } from 'vitest';
import { PlanBuilder, describePlan, estimate, formatDuration } from '../../src/batch/plan.js';
import { HashSet64, hash64 } from '../../src/batch/hash.js';
import { compileRowSpec, prepareRow } from '../../src/batch/row.js';
import { compileTemplate } from '../../src/batch/template.js';
import type { MessageType } from '../../src/core/message.js';

function planOf(rows: string[][], { type = 'sms', header = ['dst', 'text'], expiry }: { type?: MessageType; header?: string[]; expiry?: number } = {}) {
  const spec = compileRowSpec(
    header,
    { type, src: '14155550100', messageExpiry: expiry, mediaUrls: type === 'mms' ? ['https://e.com/a.jpg'] : undefined },
    undefined,
  );
  if (!spec.ok) throw new Error('spec');
  const builder = new PlanBuilder(type);
  rows.forEach((cells, i) => builder.add(prepareRow(spec.spec, i + 1, cells)));
  return builder.finish();
}

describe('PlanBuilder', () => {
  it('counts rows, invalid rows with reasons, and units by encoding', () => {
    const plan = planOf([
      ['14155550101', 'Hello'],
      ['14155550102', 'Привет'],
      ['123', 'Hello'],
      ['14155550103', 'x'.repeat(161)],
      ['14155550104<14155550105', 'Hi both'],
    ]);
    expect(plan).toMatchObject({ rows: 5, valid: 4, invalid: 1, requests: 4, messages: 5, units: { 'GSM-7': 5, 'UCS-2': 1 }, totalUnits: 6 });
    expect(plan.invalidSamples).toEqual([{ row: 3, error: "dst: '123' is too short for a phone number with its country code" }]);
  });

  it('flags duplicate (dst, text) pairs with the row they repeat', () => {
    const plan = planOf([
      ['14155550101', 'Hello'],
      ['14155550102', 'Hello'],
      ['+1 415 555 0101', 'Hello'],
      ['14155550101', 'Hello!'],
      ['14155550102', 'Hello'],
    ]);
    expect(plan.duplicates).toBe(2);
    expect(plan.duplicateSamples).toEqual([
      { row: 3, first: 1 },
      { row: 5, first: 2 },
    ]);
  });

  it('with --skip-duplicates counts each repeat as skipped (and invalid), not as a message to send', () => {
    const spec = compileRowSpec(['dst', 'text'], { type: 'sms', src: '14155550100' }, undefined, { skipDuplicates: true });
    if (!spec.ok) throw new Error('spec');
    const b = new PlanBuilder('sms', { skipping: spec.spec.duplicates });
    const rows = [
      ['14155550101', 'Hello'],
      ['14155550101', 'Hello'],
      ['14155550102', 'Hello'],
      ['+1 415 555 0102', 'Hello'],
      ['123', 'Hello'],
    ];
    rows.forEach((cells, i) => b.add(prepareRow(spec.spec, i + 1, cells)));
    const plan = b.finish();
    expect(plan).toMatchObject({ rows: 5, valid: 2, invalid: 3, skipped: 2, duplicates: 2, requests: 2, messages: 2 });
    expect(plan.duplicateSamples).toEqual([
      { row: 2, first: 1 },
      { row: 4, first: 3 },
    ]);
    const lines = describePlan(plan, estimate(plan, 60), { rate: 60, source: 'x.csv' });
    expect(lines).toContain('  2 duplicate rows skipped (--skip-duplicates: same dst and text): row 2 repeats row 1, row 4 repeats row 3');
    expect(lines).toContain('  Invalid rows (not sent):');
    expect(lines.filter((l) => l.startsWith('    row '))).toEqual(["    row 5: dst: '123' is too short for a phone number with its country code"]);
  });

  it('counts rows already sent (resume) apart from those to send', () => {
    const spec = compileRowSpec(['dst', 'text'], { type: 'sms', src: '14155550100' }, undefined);
    if (!spec.ok) throw new Error('spec');
    const b = new PlanBuilder('sms');
    b.add(prepareRow(spec.spec, 1, ['14155550101', 'a']), 'sent');
    b.add(prepareRow(spec.spec, 2, ['14155550102', 'b']), 'check');
    b.add(prepareRow(spec.spec, 3, ['14155550103', 'c']));
    expect(b.finish()).toMatchObject({ rows: 3, valid: 3, alreadySent: 1, toCheck: 1, requests: 2, totalUnits: 2 });
  });

  it('fills the template once per row with a precompiled template', () => {
    const t = compileTemplate('Hi {{name}}');
    if (!t.ok) throw new Error('template');
    const spec = compileRowSpec(['dst', 'name'], { type: 'sms', src: '14155550100' }, t.template);
    if (!spec.ok) throw new Error('spec');
    const b = new PlanBuilder('sms');
    b.add(prepareRow(spec.spec, 1, ['14155550101', 'Ada']));
    b.add(prepareRow(spec.spec, 2, ['14155550102', 'Zoë']));
    expect(b.finish()).toMatchObject({ valid: 2, duplicates: 0, units: { 'GSM-7': 1, 'UCS-2': 1 } }); // ë is not GSM-7
  });
});

describe('estimate', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => [`1415${String(5560000 + i)}`, `Hello ${i}`]);

  it('gives the time at --rate', () => {
    expect(estimate(planOf(rows(120)), 60).seconds).toBe(2);
  });

  it('warns when the default 5 SMS/s queue would hold messages past message_expiry', () => {
    // 60,000 SMS at 60/s: the last waits 60000/5 − 60000/60 = 11,000 s > 10,800 s.
    const plan = { ...planOf(rows(1)), requests: 60_000, messages: 60_000 };
    const est = estimate(plan, 60);
    expect(est.queueSeconds).toBe(11_000);
    expect(est.expiryWarning).toMatch(/5 SMS\/s .* about 3 h 3 min .* message_expiry \(10,800 s\)/);
    expect(estimate({ ...plan, messages: 50_000, requests: 50_000 }, 60).expiryWarning).toBeUndefined();
  });

  it('uses the shortest message_expiry among the rows, and 0.25/s for MMS', () => {
    expect(estimate(planOf(rows(100), { expiry: 10 }), 60).expiryWarning).toMatch(/message_expiry \(10 s\)/);
    const mms = planOf(rows(700), { type: 'mms' });
    expect(estimate(mms, 60).expiryWarning).toBeUndefined();
    expect(estimate({ ...mms, messages: 3000 }, 60).expiryWarning).toMatch(/0\.25 MMS\/s/);
  });

  it.each([
    [0.2, '1 s'],
    [59, '59 s'],
    [90, '2 min'],
    [3600, '1 h'],
    [11_000, '3 h 3 min'],
  ])('formatDuration(%d) = %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('HashSet64', () => {
  it('remembers the first row of each hash across growth', () => {
    const set = new HashSet64(1_000_000, 8);
    const h = new Uint32Array(2);
    for (let i = 1; i <= 10_000; i++) {
      hash64(`key ${i}`, h);
      expect(set.addOrGet(h[0]!, h[1]!, i)).toBe(0);
    }
    for (let i = 1; i <= 10_000; i += 997) {
      hash64(`key ${i}`, h);
      expect(set.addOrGet(h[0]!, h[1]!, 99_999)).toBe(i);
    }
    expect(set.size).toBe(10_000);
  });

  it('still finds every first row once it has grown into several fixed segments', () => {
    const set = new HashSet64(1_000_000);
    const h = new Uint32Array(2);
    // 300,000 entries: past one 2^18-slot segment at load 0.5, so three segments.
    for (let i = 1; i <= 300_000; i++) {
      hash64(`row ${i}`, h);
      expect(set.addOrGet(h[0]!, h[1]!, i)).toBe(0);
    }
    for (let i = 1; i <= 300_000; i += 7919) {
      hash64(`row ${i}`, h);
      expect(set.addOrGet(h[0]!, h[1]!, 999_999)).toBe(i);
    }
    expect(set.size).toBe(300_000);
  });

  it('stops taking entries at its cap, so memory stays bounded', () => {
    const set = new HashSet64(100, 8);
    const h = new Uint32Array(2);
    for (let i = 1; i <= 200; i++) {
      hash64(String(i), h);
      set.addOrGet(h[0]!, h[1]!, i);
    }
    expect(set.size).toBe(100);
    expect(set.full).toBe(true);
  });
});
