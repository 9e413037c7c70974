/**
 * Token buckets: each send takes a token; tokens come back continuously at `perSecond`, up
 * to `capacity`. A quiet sender may therefore burst `capacity` sends at once, then keeps to
 * `perSecond`.
 */

/** A bucket holds this many seconds' worth of tokens: bursts of three seconds' worth pass. */
export const burstSeconds = 3;

export interface Rate {
  /** Tokens that come back per second, continuously. */
  perSecond: number;
  /** Most tokens a bucket holds: `burstSeconds` × `perSecond`. */
  capacity: number;
}

export const rateOf = (perSecond: number): Rate => ({ perSecond, capacity: perSecond * burstSeconds });

/** How long a drained bucket takes to fill up again, in milliseconds: after that it is as good as new. */
export const refillMsOf = ({ perSecond, capacity }: Rate): number => Math.ceil((capacity * 1000) / perSecond);

/** A take's outcome: a token was there, or none was and one will be in `retryAfterMs`. */
export type Take = { ok: true } | { ok: false; retryAfterMs: number };

/** One bucket; every method takes the current time so that it never reads a clock itself. */
export class TokenBucket {
  readonly #rate: Rate;
  #tokens: number;
  #at: number;

  constructor(rate: Rate, now: number) {
    this.#rate = rate;
    this.#tokens = rate.capacity;
    this.#at = now;
  }

  #refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.#rate.capacity, this.#tokens + (elapsedMs * this.#rate.perSecond) / 1000);
    this.#at = Math.max(this.#at, now);
  }

  take(now: number): Take {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate.perSecond)) };
  }

  /** Gives back a token taken for a send that did not happen after all. */
  refund(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#rate.capacity, this.#tokens + 1);
  }

  /** A full bucket is the same as a new one, so it need not be kept. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#rate.capacity;
  }
}

/** How often a `Buckets` drops the buckets that have filled up again. */
export const sweepEveryMs = 10_000;

/**
 * Buckets by key (a socket id, a user), in memory. A key's bucket is made on its first take
 * and dropped once it is full again (at the next take or `sweep` after that), so memory
 * follows the keys that sent in the last few seconds, and nobody has to say when a key is gone.
 */
export class Buckets {
  readonly #rate: Rate;
  readonly #now: () => number;
  readonly #buckets = new Map<string, TokenBucket>();
  #sweptAt: number;

  constructor(rate: Rate, now: () => number = Date.now) {
    this.#rate = rate;
    this.#now = now;
    this.#sweptAt = now();
  }

  get rate(): Rate {
    return this.#rate;
  }

  /** How many buckets are kept. */
  get size(): number {
    return this.#buckets.size;
  }

  take(key: string): Take {
    const now = this.#now();
    this.#sweepAt(now);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#rate, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  refund(key: string): void {
    this.#buckets.get(key)?.refund(this.#now());
  }

  /**
   * Drops the buckets that have filled up again, at most once every `sweepEveryMs`. Takes do
   * it too; this is for when none come: after a storm of connections, each with a bucket of
   * its first event, nothing else would let go of them while their connections stay quiet.
   */
  sweep(): void {
    this.#sweepAt(this.#now());
  }

  #sweepAt(now: number): void {
    if (now - this.#sweptAt < sweepEveryMs) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}
