/** A Redis connection as the watch below reads it. */
export interface Pingable {
  readonly isReady: boolean;
  ping(): Promise<string>;
}

/** What the PINGs tell of Redis: whether it answers in time, and if not, why. */
export interface PingWatch {
  /** What the last PINGs found, at once: for the reports to the primary, read on a timer. */
  answering(): boolean;
  /**
   * Why Redis is not answering (undefined: it is), once the PING in flight (or a new one)
   * has been answered or has waited `timeoutMs`: for a probe, which must not be told "ready"
   * by a PING that is still waiting for a Redis that has just hung.
   */
  problemNow(): Promise<string | undefined>;
}

/**
 * PINGs Redis every `everyMs` (one at a time) so that a Redis that hangs is told from a live
 * one: a hung Redis (stopped, or stuck in a long command) keeps its connections open and
 * ready, and only an answer shows it is alive. Not answering: the connection is not ready,
 * the last PING failed, or the one in flight has waited more than `timeoutMs`.
 */
export function watchPing(redis: Pingable, timeoutMs: number, everyMs = 500): PingWatch {
  let inFlight: { sentAt: number; answered: Promise<void> } | undefined;
  let failure: string | undefined;
  const ping = () => {
    if (!redis.isReady) return undefined;
    if (inFlight !== undefined) return inFlight;
    const sent = {
      sentAt: Date.now(),
      answered: redis.ping().then(
        () => {
          failure = undefined;
        },
        (error: unknown) => {
          failure = error instanceof Error ? error.message : String(error);
        },
      ).finally(() => {
        inFlight = undefined;
      }),
    };
    inFlight = sent;
    return sent;
  };
  ping();
  setInterval(ping, everyMs).unref();
  const problem = () => {
    if (!redis.isReady) return "not connected";
    if (inFlight !== undefined && Date.now() - inFlight.sentAt > timeoutMs) return `no answer to PING within ${timeoutMs} ms`;
    return failure;
  };
  return {
    answering: () => problem() === undefined,
    problemNow: async () => {
      const sent = ping();
      if (sent !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, sent.sentAt + timeoutMs + 1 - Date.now());
        });
        await Promise.race([sent.answered, late]).finally(() => clearTimeout(timer));
      }
      return problem();
    },
  };
}
