import { describe, expect, it } from 'vitest';
import { PlivoClock, probeTime } from '../../src/transport/clock.js';
import { caughtUp, fitOf, judge, recordTime, type Attempted, type Evidence } from '../../src/transport/evidence.js';
import { ListPacer, parseListRate } from '../../src/transport/pacer.js';
import type { MessageRecord } from '../../src/transport/client.js';

const T = Date.parse('2026-01-02T03:04:05.000Z');
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000+00:00');

/** A clock known to ±`half` ms around an offset of 0. */
function clock(half = 5): PlivoClock {
  const c = new PlivoClock();
  c.lo = -half;
  c.hi = half;
  return c;
}

function record(uuid: string, ms: number, extra: Partial<MessageRecord> = {}): MessageRecord {
  return {
    message_uuid: uuid,
    to_number: '14155550142',
    from_number: '14155550100',
    message_state: 'queued',
    message_time: at(ms),
    message_type: 'sms',
    message_direction: 'outbound',
    units: 1,
    ...extra,
  };
}

function attempt(key: number, since: number, extra: Partial<Attempted> = {}): Attempted {
  return { key, destinations: ['14155550142'], since, latestQueue: since + 1000, type: 'sms', src: '14155550100', units: 1, ...extra };
}

function evidence(records: MessageRecord[], extra: Partial<Evidence> = {}): Evidence {
  const byNumber = new Map<string, MessageRecord[]>();
  for (const r of records) byNumber.set(r.to_number, [...(byNumber.get(r.to_number) ?? []), r]);
  return { byNumber, incomplete: new Set(), newest: Math.max(...records.map((r) => recordTime(r.message_time)!), -Infinity), secondLook: false, ...extra };
}

const none = () => new Set<string>();

describe("Plivo's clock from Date headers", () => {
  it('an answer stamped D, asked at t0 and heard at t1, bounds the offset to [D - t1, D + 1000 - t0]', () => {
    const c = new PlivoClock();
    expect(c.place(T, T)).toBe('unsure');
    c.observe(new Date(T + 60_000).toUTCString(), T + 200, T + 300);
    expect([c.lo, c.hi]).toEqual([59_700, 60_800]);
    c.observe(new Date(T + 61_000).toUTCString(), T + 900, T + 950);
    expect([c.lo, c.hi]).toEqual([60_050, 60_800]);
    // Plivo 60 s ahead: a record stamped 30 s ahead of the attempt by this clock came before it.
    expect(c.place(T + 30_000, T)).toBe('before');
    expect(c.place(T + 61_000, T)).toBe('after');
    expect(c.place(T + 60_500, T)).toBe('unsure');
  });

  it('a probe sent at tick - x decides whether the offset is below x', () => {
    const { sendAt, tick } = probeTime(120, T + 300);
    expect(tick % 1000).toBe(0);
    expect(tick - sendAt).toBe(120);
    expect(sendAt).toBeGreaterThanOrEqual(T + 300);
  });

  it('record times need an offset: without one they cannot be placed', () => {
    expect(recordTime('2024-08-21 18:28:49.244057+05:30')).toBe(Date.parse('2024-08-21T12:58:49.244Z'));
    expect(recordTime('2024-08-21 18:28:49')).toBeUndefined();
    expect(recordTime(undefined)).toBeUndefined();
  });
});

describe('what makes a record count', () => {
  it.each<[string, Partial<MessageRecord>, Partial<Attempted>, string]>([
    ['same sender, type and units', {}, {}, 'match'],
    ['another numeric sender', { from_number: '14155550199' }, {}, 'other'],
    ['another type', { message_type: 'whatsapp' }, {}, 'other'],
    ['other units', { units: 2 }, {}, 'maybe'],
    ['units not known', { units: undefined }, {}, 'match'],
    ['an alphanumeric sender shown as a number (replaced where IDs are not allowed)', { from_number: '18005550100' }, { src: 'MYSHOP' }, 'maybe'],
    ['the same alphanumeric sender', { from_number: 'myshop' }, { src: 'MYSHOP' }, 'match'],
    ['another alphanumeric sender', { from_number: 'OTHER' }, { src: 'MYSHOP' }, 'other'],
    ['the powerpack', { powerpack_id: 'pp-1' }, { src: undefined, powerpackUuid: 'pp-1' }, 'match'],
    ['another powerpack', { powerpack_id: 'pp-2' }, { src: undefined, powerpackUuid: 'pp-1' }, 'other'],
    ['an inbound message', { message_direction: 'inbound' }, {}, 'other'],
  ])('%s → %s', (_name, r, a, fit) => expect(fitOf(record('u', T, r), attempt(1, T, a))).toBe(fit));

  it('the only matching record certainly after the attempt is found', () => {
    const verdicts = judge([attempt(1, T)], evidence([record('old', T - 30_000), record('new', T + 100)]), clock(), none);
    expect(verdicts.get(1)).toEqual({ kind: 'found', uuids: ['new'], missing: [] });
  });

  it('an earlier message (the previous OTP) is never taken for the attempt', () => {
    const verdicts = judge([attempt(1, T)], evidence([record('old', T - 30_000)]), clock(), none);
    expect(verdicts.get(1)).toEqual({ kind: 'pending' });
  });

  it('a record too close to the attempt to place leaves it unknown', () => {
    const verdicts = judge([attempt(1, T)], evidence([record('near', T + 100)]), clock(500), none);
    expect(verdicts.get(1)).toMatchObject({ kind: 'unknown', seen: ['near'] });
  });

  it('two candidates leave it unknown, naming both', () => {
    const verdicts = judge([attempt(1, T)], evidence([record('a', T + 100), record('b', T + 200)]), clock(), none);
    expect(verdicts.get(1)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('a, b') as string });
  });

  it('uuids known to be other rows’ are not candidates', () => {
    const verdicts = judge([attempt(1, T)], evidence([record('theirs', T + 100), record('mine', T + 200)]), clock(), () => new Set(['theirs']));
    expect(verdicts.get(1)).toMatchObject({ kind: 'found', uuids: ['mine'] });
  });

  it('two rows to one number: a record later than both could be either, so both stay unknown', () => {
    const verdicts = judge([attempt(1, T), attempt(2, T + 1000)], evidence([record('r', T + 1100)]), clock(), none);
    expect(verdicts.get(1)).toMatchObject({ kind: 'unknown' });
    expect(verdicts.get(2)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining("row 1's") as string });
  });

  it('nothing found is absent only once the list has caught up: a newer record, or a second look', () => {
    const a = attempt(1, T);
    expect(caughtUp(a, evidence([record('x', a.latestQueue + 100, { to_number: '14155550999' })]), clock())).toBe(true);
    expect(caughtUp(a, evidence([record('x', a.latestQueue - 100, { to_number: '14155550999' })]), clock())).toBe(false);
    expect(judge([a], evidence([], { secondLook: true }), clock(), none).get(1)).toEqual({ kind: 'absent' });
    expect(judge([a], evidence([]), clock(), none).get(1)).toEqual({ kind: 'pending' });
  });
});

describe('list pacing', () => {
  it('PLIVO_SEND_LIST_RATE sets requests per seconds; anything else is 20 a minute', () => {
    expect(parseListRate('20/2')).toEqual({ requests: 20, windowMs: 2000 });
    expect(parseListRate(undefined)).toEqual({ requests: 20, windowMs: 60_000 });
    expect(parseListRate('fast')).toEqual({ requests: 20, windowMs: 60_000 });
  });

  it("estimates Plivo's burst then wait: 20 requests at once, the 21st about a minute later", () => {
    const pacer = new ListPacer(parseListRate(undefined), () => 0);
    expect(pacer.estimateMs(20)).toBe(0);
    expect(pacer.estimateMs(21)).toBe(63_000);
    expect(pacer.estimateMs(41)).toBe(126_000);
  });

  it('never starts more than `requests` in any window', async () => {
    let now = 0;
    const pacer = new ListPacer({ requests: 2, windowMs: 1000 }, () => now);
    await pacer.acquire();
    await pacer.acquire();
    // Two more go when the first two places free (1,050 ms: a start holds its place 1.05 windows), the third 1,050 ms later.
    expect(pacer.estimateMs(3)).toBe(2100);
    let third = false;
    const waiting = pacer.acquire().then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(third).toBe(false);
    now = 1050;
    await waiting;
    expect(third).toBe(true);
  });
});

describe("a resumed row's start, as its run measured it on Plivo's clock", () => {
  const wide = () => clock(500);
  it.each<[string, PlivoClock, number, number, Attempted['sincePlivo'], 'found' | 'unknown']>([
    ['today cannot tell (±500 ms), the run measured ±3 ms: 100 ms after counts', wide(), T, 100, { lo: T - 3, hi: T + 3 }, 'found'],
    ['today cannot tell, the run neither (within its drift margin): unknown', wide(), T, 15, { lo: T - 3, hi: T + 3 }, 'unknown'],
    ['no measurement journalled: today alone, which cannot tell', wide(), T, 100, undefined, 'unknown'],
    // This machine's clock was 3 s fast during the run: its journalled start is 3 s late by
    // today's clock, so today places the record before it; the run (on Plivo's clock) after it.
    ['today and the run disagree (a clock step): unknown', clock(5), T + 3000, 50, { lo: T - 5, hi: T + 5 }, 'unknown'],
  ])('%s', (_name, c, since, delta, sincePlivo, kind) => {
    const verdict = judge([attempt(1, since, { sincePlivo })], evidence([record('r', T + delta)]), c, none).get(1)!;
    expect(verdict.kind).toBe(kind);
  });
});
