import type { Ack, ErrorCode } from "@chat/protocol";

/** A request's outcome: the server's ack, or `timeout` when no ack came in time. */
export type Outcome<Data> = Ack<Data> | { ok: false; error: { code: "timeout"; message: string } };

/** Sends the request once; resolves with the ack or rejects when the time runs out. */
export type Attempt<Data> = (timeoutMs: number) => Promise<Ack<Data>>;

export interface QueueOptions {
  /** How long one attempt waits for its ack. */
  attemptTimeoutMs: number;
  /** How long a request is retried before it is reported as failed. */
  giveUpAfterMs: number;
  /** First pause between attempts; it doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultQueueOptions: QueueOptions = {
  attemptTimeoutMs: 5_000,
  giveUpAfterMs: 60_000,
  backoffMs: 250,
  maxBackoffMs: 4_000,
};

/** Failures that say nothing was done and that may pass: worth another attempt. */
const retryable: ReadonlySet<ErrorCode | "timeout"> = new Set(["timeout", "unavailable", "rate_limited"]);

/** Told of each failure that is about to be retried (a rate limit, say), before the pause. */
export type RetryListener = (error: Extract<Outcome<unknown>, { ok: false }>["error"]) => void;

interface Entry {
  attempt: Attempt<unknown>;
  retry: boolean;
  onRetry: RetryListener | undefined;
  enqueuedAt: number;
  settle(outcome: Outcome<unknown>): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every request of a client, one at a time and in the order made, so that the server sees
 * them in the user's order. A request marked `retry` (safe to repeat: reads, joins, and
 * sends that carry a client id) is attempted again after a timeout or a retryable error,
 * with growing pauses, until it succeeds or `giveUpAfterMs` has passed. While the queue is
 * paused (the connection is down) nothing is attempted, but the clock still runs.
 */
export class RequestQueue {
  readonly #options: QueueOptions;
  readonly #entries: Entry[] = [];
  #running = false;
  #paused = true;
  #onResume: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: Partial<QueueOptions> = {}) {
    this.#options = { ...defaultQueueOptions, ...options };
  }

  request<Data>(attempt: Attempt<Data>, { retry, onRetry }: { retry: boolean; onRetry?: RetryListener }): Promise<Outcome<Data>> {
    return new Promise((resolve) => {
      this.#entries.push({
        attempt: attempt as Attempt<unknown>,
        retry,
        onRetry,
        enqueuedAt: Date.now(),
        settle: resolve as (outcome: Outcome<unknown>) => void,
      });
      void this.#run();
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#onResume?.();
    void this.#run();
  }

  /** Resolves once every request made so far has settled. */
  idle(): Promise<void> {
    if (!this.#running && this.#entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #whenResumed(): Promise<void> {
    return this.#paused ? new Promise((resolve) => (this.#onResume = resolve)) : Promise.resolve();
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let entry = this.#entries[0]; entry !== undefined; entry = this.#entries[0]) {
        entry.settle(await this.#settle(entry));
        this.#entries.shift();
      }
    } finally {
      this.#running = false;
      this.#idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  async #settle(entry: Entry): Promise<Outcome<unknown>> {
    const { attemptTimeoutMs, giveUpAfterMs, backoffMs, maxBackoffMs } = this.#options;
    const deadline = entry.enqueuedAt + giveUpAfterMs;
    let pause = backoffMs;
    for (;;) {
      const remaining = deadline - Date.now();
      const resumed = await Promise.race([this.#whenResumed().then(() => true), sleep(Math.max(remaining, 0)).then(() => false)]);
      const outcome: Outcome<unknown> = resumed
        ? await entry.attempt(Math.min(attemptTimeoutMs, Math.max(deadline - Date.now(), 1))).catch(() => ({
            ok: false as const,
            error: { code: "timeout" as const, message: "no answer from the server" },
          }))
        : { ok: false, error: { code: "timeout", message: "the server could not be reached" } };
      if (outcome.ok || !entry.retry || !retryable.has(outcome.error.code) || Date.now() >= deadline) {
        return outcome;
      }
      entry.onRetry?.(outcome.error);
      await sleep(Math.min(pause, Math.max(deadline - Date.now(), 0)));
      pause = Math.min(pause * 2, maxBackoffMs);
    }
  }
}
