/**
 * What each receiver got of a numbered stream, message by message: delivered once, more than
 * once, or not at all; the messages its sender was told failed are counted apart, since a
 * client that says so has not lost them silently.
 */
export interface FaultTally {
  /** Messages the sender sent (tried). */
  messages: number;
  receivers: number;
  /** Messages the sender's client reported failed. */
  failed: number;
  /** Receiver × message pairs delivered exactly once. */
  once: number;
  /** Pairs delivered more than once (counted once each, however many times). */
  twice: number;
  /** Pairs never delivered, of messages not reported failed. */
  lost: number;
  /** Pairs delivered of messages reported failed (the sender gave up on a message that went through). */
  deliveredThoughFailed: number;
  /** Receivers that got some message after one of a higher number: a reordering. */
  outOfOrderReceivers: number;
}

export class Tally {
  readonly #counts: Map<number, number>[];
  readonly #outOfOrder = new Set<number>();
  readonly #highest: number[];
  readonly #failed = new Set<number>();
  #sent = 0;

  constructor(receivers: number) {
    this.#counts = Array.from({ length: receivers }, () => new Map());
    this.#highest = Array.from({ length: receivers }, () => -1);
  }

  delivered(receiver: number, n: number): void {
    const counts = this.#counts[receiver];
    if (counts === undefined) return;
    counts.set(n, (counts.get(n) ?? 0) + 1);
    const highest = this.#highest[receiver] ?? -1;
    if (n < highest && counts.get(n) === 1) this.#outOfOrder.add(receiver);
    this.#highest[receiver] = Math.max(highest, n);
  }

  sending(): number {
    return this.#sent++;
  }

  failedToSend(n: number): void {
    this.#failed.add(n);
  }

  /** Pairs still missing of messages not reported failed: the drain waits for this to reach 0. */
  missing(): number {
    let missing = 0;
    for (const counts of this.#counts) for (let n = 0; n < this.#sent; n++) if (!this.#failed.has(n) && !counts.has(n)) missing++;
    return missing;
  }

  /** Every delivery so far, doubles included: the drain watches it move. */
  deliveries(): number {
    let sum = 0;
    for (const counts of this.#counts) for (const times of counts.values()) sum += times;
    return sum;
  }

  result(): FaultTally {
    const tally: FaultTally = {
      messages: this.#sent,
      receivers: this.#counts.length,
      failed: this.#failed.size,
      once: 0,
      twice: 0,
      lost: 0,
      deliveredThoughFailed: 0,
      outOfOrderReceivers: this.#outOfOrder.size,
    };
    for (const counts of this.#counts) {
      for (let n = 0; n < this.#sent; n++) {
        const times = counts.get(n) ?? 0;
        if (this.#failed.has(n)) {
          if (times > 0) tally.deliveredThoughFailed++;
        } else if (times === 0) tally.lost++;
        else if (times === 1) tally.once++;
        else tally.twice++;
      }
    }
    return tally;
  }
}
