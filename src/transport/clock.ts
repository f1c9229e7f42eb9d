/**
 * Plivo's clock as seen from this machine. A record's `message_time` is Plivo's clock; an
 * attempt's start is ours. The only link between them is the `Date` header of Plivo's answers
 * (RFC 9110: whole seconds), so the offset (Plivo minus local) is known as an interval, never a
 * number: an answer stamped D, asked for at local t0 and heard at t1, says the offset lies in
 * [D - t1, D + 1000 - t0]. Every answer narrows the interval; evidence is judged against all of it.
 */

export class PlivoClock {
  /** Bounds of Plivo's clock minus the local one, in milliseconds. */
  lo = -Infinity;
  hi = Infinity;

  /** Narrows the offset with one answer's `Date` header (ignored when absent or unreadable). */
  observe(dateHeader: string | undefined, sentAt: number, heardAt: number): void {
    const stamped = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
    if (Number.isNaN(stamped)) return;
    const lo = stamped - heardAt;
    const hi = stamped + 1000 - sentAt;
    // Disjoint answers mean one clock jumped (NTP step): start again from the newest answer.
    if (lo > this.hi || hi < this.lo) {
      this.lo = lo;
      this.hi = hi;
      return;
    }
    this.lo = Math.max(this.lo, lo);
    this.hi = Math.min(this.hi, hi);
  }

  get known(): boolean {
    return Number.isFinite(this.lo) && Number.isFinite(this.hi);
  }

  /**
   * Where Plivo time `plivoMs` falls against local time `localMs`: certainly at or after it,
   * certainly before it, or either (within the offset's uncertainty, or no answer seen yet).
   */
  place(plivoMs: number, localMs: number): 'after' | 'before' | 'unsure' {
    if (!this.known) return 'unsure';
    if (plivoMs - this.hi >= localMs) return 'after';
    if (plivoMs - this.lo < localMs) return 'before';
    return 'unsure';
  }

  /** The earliest Plivo time local time `localMs` may stand for. */
  earliestPlivo(localMs: number): number {
    return localMs + this.lo;
  }
}

/**
 * When to ask, so that the answer's `Date` header decides whether the offset is below `x`: a
 * request sent at local t0 with t0 + x on a whole second (the `tick`) is answered before that
 * tick (on Plivo's clock) only if the offset is below x (then hi becomes x), and from the tick on
 * only if the offset is above x minus the round trip (then lo rises to about x).
 */
export function probeTime(x: number, now: number): { sendAt: number; tick: number } {
  const tick = Math.ceil((now + x + 5) / 1000) * 1000;
  return { sendAt: tick - x, tick };
}
