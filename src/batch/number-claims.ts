/**
 * One number, one unresolved request: the per-number turns of the send pass.
 *
 * Plivo has no idempotency key, so a request whose answer was lost is checked later in Plivo's
 * message list by number and time. That check can only tell two messages to the same number
 * apart if their requests never overlapped: when row 1 and row 2 both go to a number and both
 * answers are lost, a message found there could be either row's. So within a run a row takes a
 * turn on every one of its destinations before its in-flight record is journalled, and gives it
 * up only when its outcome is certain (sent or failed) and durable. A row whose outcome is
 * unknown keeps its numbers blocked for the rest of the run: later rows to them are not sent
 * (a resume checks the unknown row first, then sends them).
 *
 * Turns are queued in row order (the order rows are read), one queue per number; a row to `A<B`
 * waits until it heads both queues. Every row waits only for earlier rows, so the earliest
 * waiting row can always go: no deadlock, whatever mix of numbers.
 */

export class Turn {
  /** Queues this turn does not head yet. */
  private pending = 0;
  private wake: (() => void) | undefined;
  private released = false;

  constructor(
    readonly row: number,
    readonly numbers: readonly string[],
    private readonly claims: NumberClaims,
  ) {}

  /** Whether the row heads every queue of its numbers. */
  get ready(): boolean {
    return this.pending === 0;
  }

  /** Resolves when the row heads every queue of its numbers. */
  whenReady(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Leaves every queue (idempotent): the next row to each number may go. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.claims.leave(this);
  }

  /** @internal */
  waitFor(queues: number): void {
    this.pending += queues;
  }

  /** @internal */
  advance(): void {
    this.pending--;
    if (this.pending === 0) this.wake?.();
  }
}

export interface Blocker {
  number: string;
  /** The row whose outcome is unknown. */
  row: number;
  /** Set when that row's outcome is unknown from an earlier run (not this one). */
  earlier: boolean;
}

export class NumberClaims {
  /** Rows holding or waiting for each number, in row order (a Set keeps insertion order). */
  private readonly queues = new Map<string, Set<Turn>>();
  private readonly blocked = new Map<string, Blocker>();

  /** Joins the queue of each of `numbers`; call in row order. */
  enqueue(row: number, numbers: readonly string[]): Turn {
    const turn = new Turn(row, numbers, this);
    let waiting = 0;
    for (const number of numbers) {
      let queue = this.queues.get(number);
      if (queue === undefined) this.queues.set(number, (queue = new Set()));
      if (queue.size > 0) waiting++;
      queue.add(turn);
    }
    turn.waitFor(waiting);
    return turn;
  }

  /** Blocks the numbers of a row whose outcome is unknown, for the rest of the run. */
  block(row: number, numbers: readonly string[], earlier = false): void {
    for (const number of numbers) if (!this.blocked.has(number)) this.blocked.set(number, { number, row, earlier });
  }

  /** The first of `numbers` that an unknown outcome blocks. */
  blockerOf(numbers: readonly string[]): Blocker | undefined {
    for (const number of numbers) {
      const blocker = this.blocked.get(number);
      if (blocker) return blocker;
    }
    return undefined;
  }

  /** @internal Turn.release */
  leave(turn: Turn): void {
    for (const number of turn.numbers) {
      const queue = this.queues.get(number);
      if (queue === undefined) continue;
      const wasHead = queue.values().next().value === turn;
      queue.delete(turn);
      if (queue.size === 0) this.queues.delete(number);
      else if (wasHead) queue.values().next().value!.advance();
    }
  }
}
