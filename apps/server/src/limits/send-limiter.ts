import type { UserName } from "@chat/protocol";
import { Buckets, rateOf, type Rate, type Take } from "./token-bucket.ts";

/** Which limit refused a send. */
export type LimitScope = "connection" | "user";

export type SendVerdict =
  | { allowed: true }
  | { allowed: false; scope: LimitScope; perSecond: number; retryAfterMs: number };

/**
 * Decides whether a send (`message:send`, `dm:send`), or with other rates any event, may go
 * ahead, and takes its token if so: one bucket per connection, on the worker that holds it,
 * and one per user, shared by every connection of the user wherever it is connected.
 */
export interface SendLimiter {
  take(user: UserName, socketId: string): Promise<SendVerdict>;
  /** Lets go of the connections' buckets that have filled up again (see `Buckets#sweep`). */
  sweep(): void;
}

/**
 * Where the per-user buckets live: Redis for a cluster, memory for a single process.
 * `undefined`: the bucket could not be consulted (Redis is away), and the send is not held
 * back by it.
 */
export interface UserBuckets {
  readonly rate: Rate;
  take(user: UserName): Promise<Take | undefined>;
}

/** The per-user buckets of a single process: every connection of a user is here. */
export class MemoryUserBuckets implements UserBuckets {
  readonly #buckets: Buckets;

  constructor(perSecond: number, now?: () => number) {
    this.#buckets = new Buckets(rateOf(perSecond), now);
  }

  get rate(): Rate {
    return this.#buckets.rate;
  }

  async take(user: UserName): Promise<Take> {
    return this.#buckets.take(user);
  }
}

/**
 * The connection's bucket first (in memory, cheap), then the user's. A send the user's
 * bucket refuses gives its connection token back, so that only sends that go ahead count.
 */
export function createSendLimiter(perConnection: number, users: UserBuckets, now?: () => number): SendLimiter {
  const connections = new Buckets(rateOf(perConnection), now);
  return {
    sweep: () => connections.sweep(),
    async take(user, socketId) {
      const connection = connections.take(socketId);
      if (!connection.ok) {
        return { allowed: false, scope: "connection", perSecond: perConnection, retryAfterMs: connection.retryAfterMs };
      }
      let own: Take | undefined;
      try {
        own = await users.take(user);
      } catch (error) {
        connections.refund(socketId);
        throw error;
      }
      if (own === undefined || own.ok) return { allowed: true };
      connections.refund(socketId);
      return { allowed: false, scope: "user", perSecond: users.rate.perSecond, retryAfterMs: own.retryAfterMs };
    },
  };
}

/** The refusal's message: which limit, of what (`messages`, `requests`), and when to try again. */
export function describeRefusal(verdict: Extract<SendVerdict, { allowed: false }>, what = "messages"): string {
  const where = verdict.scope === "connection" ? "on one connection" : "for one user over all their connections";
  const seconds = (Math.ceil(verdict.retryAfterMs / 100) / 10).toFixed(1);
  return `too many ${what}: at most ${verdict.perSecond} a second ${where}; try again in ${seconds} s`;
}
