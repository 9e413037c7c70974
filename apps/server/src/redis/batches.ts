/**
 * Calls that queue per key while one is in flight, then go out together. The first call for
 * a key runs at once, alone: a quiet key waits for nothing. With the `together` bound, it runs
 * with the calls made in the same go instead (before the running code gives way). Calls that
 * arrive while a batch is in flight wait, and when it returns they run as one batch (as many
 * as its bounds admit; the rest form the next one). So the busier a key, the larger its batches, and the fewer round trips
 * (and, downstream, frames) its calls cost.
 *
 * With a `gapMs` bound, a key's batches also start that far apart at least: calls made within
 * the gap after a batch started wait for its end, the first of them included.
 *
 * Calls run in the order they were made, batch after batch, never two batches of one key
 * at once. Each call settles with its own result, or with the batch's error.
 */
export class Batches<Key, Item, Result> {
  readonly #run: (key: Key, items: Item[]) => Promise<Result[]>;
  readonly #bounds: BatchBounds<Item>;
  /** The calls waiting behind the batch in flight, per key; a key with none in flight is absent. */
  readonly #waiting = new Map<Key, Pending<Item, Result>[]>();

  /** `run` gets each batch (never empty) and answers with one result per item, in order. */
  constructor(run: (key: Key, items: Item[]) => Promise<Result[]>, bounds: BatchBounds<Item>) {
    this.#run = run;
    this.#bounds = bounds;
  }

  submit(key: Key, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const pending = { item, resolve, reject };
      const waiting = this.#waiting.get(key);
      if (waiting !== undefined) {
        waiting.push(pending);
        return;
      }
      const queue: Pending<Item, Result>[] = [];
      this.#waiting.set(key, queue);
      if (this.#bounds.together !== true) {
        void this.#drain(key, [pending], queue);
        return;
      }
      // Once the code running now is done: the calls it makes meanwhile go in the first batch.
      queue.push(pending);
      queueMicrotask(() => void this.#drain(key, this.#take(queue), queue));
    });
  }

  /** Runs batch after batch until nothing waits, then forgets the key. */
  async #drain(key: Key, first: Pending<Item, Result>[], queue: Pending<Item, Result>[]): Promise<void> {
    const { gapMs = 0 } = this.#bounds;
    for (let batch = first; batch.length > 0; ) {
      const startedAt = performance.now();
      try {
        const results = await this.#run(key, batch.map((pending) => pending.item));
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
        batch.forEach((pending, i) => pending.resolve(results[i] as Result));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
      // Calls made until the gap is over wait for it, and go together.
      const wait = startedAt + gapMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      batch = this.#take(queue);
    }
    // Synchronously after the last look at the queue: a call made from now on starts afresh.
    this.#waiting.delete(key);
  }

  /** The next batch: the oldest waiting calls, as many as the bounds admit (always at least one). */
  #take(queue: Pending<Item, Result>[]): Pending<Item, Result>[] {
    const { maxItems, maxWeight, weigh } = this.#bounds;
    let count = 0;
    let weight = 0;
    for (const pending of queue) {
      weight += weigh(pending.item);
      if (count > 0 && (count === maxItems || weight > maxWeight)) break;
      count += 1;
    }
    return queue.splice(0, count);
  }
}

/**
 * How large one batch may grow: at most `maxItems` items, weighing at most `maxWeight`
 * together; and how often a key's batches may start: `gapMs` at least from one to the next
 * (none by default), the calls made in the meantime waiting to go with the next.
 */
export interface BatchBounds<Item> {
  maxItems: number;
  maxWeight: number;
  weigh(item: Item): number;
  gapMs?: number;
  /** Whether the first call on a quiet key waits for the calls made in the same go, to run with them. */
  together?: boolean;
}

interface Pending<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}
