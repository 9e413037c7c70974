import type { Ack, ErrorCode } from "@chat/protocol";
import { failureOf, type Failure, type FailureCode } from "./failures.ts";

/** A request's outcome: the server's data, or why it failed (the server's error, or a timeout). */
export type Outcome<Data> = { ok: true; data: Data } | { ok: false; error: Failure };

/** Sends the request once; resolves with the ack, or rejects when `timeoutMs` passes without one. */
export type Attempt<Data> = (timeoutMs: number) => Promise<Ack<Data>>;

export interface QueueOptions {
  /** How long one attempt waits for its ack (5 s): long enough for a busy server, short enough to retry a lost one. */
  attemptTimeoutMs: number;
  /** How long a request is retried before it is reported failed (60 s): a worker restart or a Redis failover fits. */
  giveUpAfterMs: number;
  /** First pause between attempts (250 ms); it doubles up to `maxBackoffMs` (4 s), so a down server is not hammered. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultQueueOptions: QueueOptions = {
  attemptTimeoutMs: 5_000,
  giveUpAfterMs: 60_000,
  backoffMs: 250,
  maxBackoffMs: 4_000,
};

/** Failures that say nothing was done and that pass with time: worth another attempt. */
const retryable: ReadonlySet<ErrorCode | FailureCode> = new Set(["timeout", "unavailable", "rate_limited"]);

/** Told of each failure that is about to be retried (a rate limit, say), before the pause. */
export type RetryListener = (error: Failure) => void;

export interface RequestOptions {
  /** Safe to repeat (reads, joins, sends that carry a client id): retried after a retryable failure. */
  retry: boolean;
  onRetry?: RetryListener;
}

interface Entry {
  attempt: Attempt<unknown>;
  options: RequestOptions;
  enqueuedAt: number;
  settle(outcome: Outcome<unknown>): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `sleep` that can be called off: a timer left pending keeps Node and Deno from exiting. In
 * Node it does not keep the process alive either (`unref`): it is a deadline, not work, and a
 * closed client's requests still waiting on it must not hold up the end of a script.
 */
const cancellableSleep = (ms: number) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return { done, cancel: () => clearTimeout(timer) };
};

/**
 * Requests one at a time, in the order made, so that the server sees them in the user's
 * order. While the queue is paused (the connection is down, or catching up) nothing is
 * attempted, but each request's clock still runs: after `giveUpAfterMs` it fails.
 */
export class RequestQueue {
  readonly #options: QueueOptions;
  readonly #entries: Entry[] = [];
  #running = false;
  #paused = true;
  #resumed: (() => void)[] = [];
  #idle: (() => void)[] = [];

  constructor(options: Partial<QueueOptions> = {}) {
    this.#options = { ...defaultQueueOptions, ...options };
  }

  request<Data>(attempt: Attempt<Data>, options: RequestOptions): Promise<Outcome<Data>> {
    return new Promise((resolve) => {
      this.#entries.push({
        attempt: attempt as Attempt<unknown>,
        options,
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
    for (const wake of this.#resumed.splice(0)) wake();
    void this.#run();
  }

  /** Resolves once every request made so far has settled. */
  idle(): Promise<void> {
    if (!this.#running && this.#entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #whenResumed(): Promise<void> {
    return this.#paused ? new Promise((resolve) => this.#resumed.push(resolve)) : Promise.resolve();
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
      for (const wake of this.#idle.splice(0)) wake();
    }
  }

  async #settle(entry: Entry): Promise<Outcome<unknown>> {
    const { attemptTimeoutMs, giveUpAfterMs, backoffMs, maxBackoffMs } = this.#options;
    const deadline = entry.enqueuedAt + giveUpAfterMs;
    let pause = backoffMs;
    for (;;) {
      // The give-up timer runs to the deadline (a minute by default) unless called off.
      const giveUp = cancellableSleep(Math.max(deadline - Date.now(), 0));
      const resumed = await Promise.race([this.#whenResumed().then(() => true), giveUp.done.then(() => false)]).finally(giveUp.cancel);
      const outcome: Outcome<unknown> = resumed
        ? await entry
            .attempt(Math.min(attemptTimeoutMs, Math.max(deadline - Date.now(), 1)))
            .then((ack): Outcome<unknown> => (ack.ok ? ack : { ok: false, error: failureOf(ack.error) }))
            .catch(() => ({ ok: false as const, error: { code: "timeout" as const, message: "no answer from the server" } }))
        : { ok: false, error: { code: "timeout", message: "the server could not be reached" } };
      if (outcome.ok || !entry.options.retry || !retryable.has(outcome.error.code) || Date.now() >= deadline) {
        return outcome;
      }
      entry.options.onRetry?.(outcome.error);
      // A rate limit says how long it lasts: no sooner than that.
      const wait = Math.max(pause, outcome.error.retryAfterMs ?? 0);
      await sleep(Math.min(wait, Math.max(deadline - Date.now(), 0)));
      pause = Math.min(pause * 2, maxBackoffMs);
    }
  }
}
