/** A Redis connection as the watch below reads it. */
export interface Pingable {
  readonly isReady: boolean;
  ping(): Promise<string>;
}

/** What the last PINGs tell of Redis: whether it answers in time, and if not, why. */
export interface PingWatch {
  answering(): boolean;
  /** Why not, while `answering()` is false and the connection is ready. */
  problem(): string | undefined;
}

/**
 * PINGs Redis every `everyMs` (one at a time) so that a Redis that hangs is told from a live
 * one: a hung Redis (stopped, or stuck in a long command) keeps its connections open and
 * ready, and only an answer shows it is alive. Not answering: the connection is not ready,
 * the last PING failed, or the one in flight has waited more than `timeoutMs`. Synchronous
 * to read, so that the worker's reports to the primary and the public `/readyz` say at once
 * what the last PINGs found, rather than each waiting for Redis.
 */
export function watchPing(redis: Pingable, timeoutMs: number, everyMs = 500): PingWatch {
  let sentAt: number | undefined;
  let failure: string | undefined;
  const ping = () => {
    if (!redis.isReady || sentAt !== undefined) return;
    sentAt = Date.now();
    redis.ping().then(
      () => {
        failure = undefined;
        sentAt = undefined;
      },
      (error: unknown) => {
        failure = error instanceof Error ? error.message : String(error);
        sentAt = undefined;
      },
    );
  };
  ping();
  setInterval(ping, everyMs).unref();
  const late = () => sentAt !== undefined && Date.now() - sentAt > timeoutMs;
  const problem = () => (late() ? `no answer to PING within ${timeoutMs} ms` : failure);
  return {
    answering: () => redis.isReady && problem() === undefined,
    problem,
  };
}
