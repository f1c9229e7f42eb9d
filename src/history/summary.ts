/** The delivery summary of a batch: what each row and message came to, what it cost. */
import { describeDeliveryError, isErrorCode } from '../core/delivery-errors.js';
import type { Known } from './events.js';

/** States after which nothing changes (WhatsApp `read` comes after `delivered`). */
export const FINAL = new Set(['delivered', 'read', 'undelivered', 'failed']);

/** Amounts are decimal strings (`0.00500`): summed exactly, in billionths. */
const SCALE = 9;

export function parseAmount(value: string | undefined): { units: bigint; decimals: number } | undefined {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const fraction = (m[2] ?? '').padEnd(SCALE, '0');
  return { units: BigInt(m[1]!) * 10n ** BigInt(SCALE) + BigInt(fraction), decimals: (m[2] ?? '').length };
}

export function formatAmount(units: bigint, decimals: number): string {
  const s = units.toString().padStart(SCALE + 1, '0');
  const whole = s.slice(0, s.length - SCALE);
  // Shown with as many decimals as Plivo gave (at least 2); sums of such amounts need no more.
  return `${whole}.${s.slice(s.length - SCALE).slice(0, Math.max(decimals, 2))}`;
}

export interface Summary {
  rows: number;
  /** Rows Plivo did not queue, by their status (failed, invalid, unknown, suppressed). */
  rows_not_sent: Record<string, number>;
  /** Rows whose request's outcome the batch could not learn (status unknown): they may have been queued. */
  rows_unknown: number;
  /** Messages Plivo queued (one per uuid). */
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  /** Messages with no final state yet (their last known state in `states`). */
  pending: number;
  /** Every message by its last known state; `unknown` = no event or record. */
  states: Record<string, number>;
  errors: Array<{ code: string; meaning: string; count: number }>;
  units: number;
  /** Messages whose units are known. */
  units_known: number;
  /** Plivo's TotalAmount summed, in the account's currency; null when none is known. */
  amount: string | null;
  amount_known: number;
}

/** Counts rows and messages as they stream past. */
export class Tally {
  private rows = 0;
  private readonly notSent = new Map<string, number>();
  private unknownRows = 0;
  private readonly states = new Map<string, number>();
  private readonly errors = new Map<string, { meaning: string; count: number }>();
  private sent = 0;
  private units = 0;
  private unitsKnown = 0;
  private amount = 0n;
  private amountKnown = 0;
  private decimals = 0;

  /** A row not sent (its status), or a sent row's messages (what is known of each). */
  addRow(status: string, messages: Array<Known | undefined>): void {
    this.rows++;
    if (messages.length === 0) {
      // `unknown`: the request may have been queued (its answer was lost): not "not sent".
      if (status === 'unknown') this.unknownRows++;
      else if (status !== 'sent') this.notSent.set(status, (this.notSent.get(status) ?? 0) + 1);
      return;
    }
    for (const known of messages) this.addMessage(known);
  }

  private addMessage(known: Known | undefined): void {
    this.sent++;
    const state = known?.state ?? 'unknown';
    this.states.set(state, (this.states.get(state) ?? 0) + 1);
    if (known === undefined) return;
    if (isErrorCode(known.errorCode) && (state === 'failed' || state === 'undelivered')) {
      const code = String(Number(known.errorCode)) === 'NaN' ? known.errorCode : String(Number(known.errorCode));
      const entry = this.errors.get(code) ?? { meaning: describeDeliveryError(code) ?? known.errorMessage ?? 'not documented by Plivo', count: 0 };
      entry.count++;
      this.errors.set(code, entry);
    }
    if (known.units !== undefined) {
      this.units += known.units;
      this.unitsKnown++;
    }
    const amount = parseAmount(known.amount);
    if (amount !== undefined) {
      this.amount += amount.units;
      this.amountKnown++;
      this.decimals = Math.max(this.decimals, amount.decimals);
    }
  }

  summary(): Summary {
    const count = (...states: string[]) => states.reduce((n, s) => n + (this.states.get(s) ?? 0), 0);
    const delivered = count('delivered', 'read');
    const undelivered = count('undelivered');
    const failed = count('failed');
    return {
      rows: this.rows,
      rows_not_sent: Object.fromEntries(this.notSent),
      rows_unknown: this.unknownRows,
      sent: this.sent,
      delivered,
      undelivered,
      failed,
      pending: this.sent - delivered - undelivered - failed,
      states: Object.fromEntries([...this.states].sort((a, b) => b[1] - a[1])),
      errors: [...this.errors]
        .map(([code, e]) => ({ code, meaning: e.meaning, count: e.count }))
        .sort((a, b) => b.count - a.count || Number(a.code) - Number(b.code)),
      units: this.units,
      units_known: this.unitsKnown,
      amount: this.amountKnown > 0 ? formatAmount(this.amount, this.decimals) : null,
      amount_known: this.amountKnown,
    };
  }
}

/** What one row's `state`, `error_code` and `amount` say in the rewritten results (null for a row not sent). */
/** Plivo's delivery error for a recipient who replied STOP. */
const STOP_ERROR = 200;

export function rowOutcome(
  messages: Array<Known | undefined>,
  dst = '',
): { state: string | null; error_code: string | null; amount: string | null; stopped?: string } {
  if (messages.length === 0) return { state: null, error_code: null, amount: null };
  const states = messages.map((k) => k?.state ?? 'unknown');
  const codes = messages.map((k) => (isErrorCode(k?.errorCode) && (k.state === 'failed' || k.state === 'undelivered') ? k.errorCode : ''));
  let total = 0n;
  let decimals = 0;
  let anyAmount = false;
  for (const k of messages) {
    const a = parseAmount(k?.amount);
    if (!a) continue;
    anyAmount = true;
    total += a.units;
    decimals = Math.max(decimals, a.decimals);
  }
  // Several destinations in one row: one state per uuid, in the order of message_uuid.
  const same = (values: string[]) => (values.every((v) => v === values[0]) ? values[0]! : values.join(' '));
  const code = same(codes);
  const outcome = { state: same(states), error_code: code.trim() === '' ? null : code, amount: anyAmount ? formatAmount(total, decimals) : null };
  // The numbers whose message failed with error 200 (the recipient replied STOP), by each
  // message's own to_number (Plivo does not promise uuids in the order of dst), for --suppress.
  const numbers = dst.split('<').filter((d) => d !== '');
  const stopped = messages
    .filter((k) => k?.errorCode !== undefined && Number(k.errorCode) === STOP_ERROR)
    .map((k) => k!.to ?? (numbers.length === 1 ? numbers[0] : undefined));
  if (stopped.length === 0) return outcome;
  // A STOP whose number is unknown (several destinations, no to_number): every number of the row.
  return { ...outcome, stopped: (stopped.includes(undefined) ? numbers : (stopped as string[])).join('<') };
}
