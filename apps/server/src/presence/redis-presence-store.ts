import type { UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import { Batches } from "../redis/batches.ts";
import { defaultRedisTimeoutMs, guardRequests, withDeadline, type RequestGuard } from "../redis/request-guard.ts";
import { admitScript, changeScript, refreshScript, sweepScript } from "./presence-scripts.ts";
import { StoreUnavailableError } from "../messages/message-store.ts";
import {
  onlineScope,
  presenceRefreshMs,
  presenceTtlMs,
  type Admission,
  type PresenceExpiry,
  type PresenceScope,
  type PresenceSession,
  type PresenceShift,
  type PresenceStore,
} from "./presence-store.ts";

/** One arrival (`+`) or departure (`-`), as the change script takes it. */
interface Change {
  kind: "+" | "-";
  session: PresenceSession;
}

/** The change script's reply, two numbers a change: 1 if news else 0, users after. */
const shiftsOf = (reply: unknown): PresenceShift[] => {
  const flat = reply as number[];
  const shifts: PresenceShift[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) shifts.push({ news: flat[i] === 1, usersAfter: Number(flat[i + 1]) });
  return shifts;
};

/** Keys outlive their last refresh by this long, so that abandoned ones disappear. */
const keyTtlMs = String(presenceTtlMs * 4);

/**
 * Sessions refreshed by one script call: enough that a process with tens of thousands of
 * sessions needs few round trips, few enough that no call holds Redis up for long (each
 * session is three commands inside the script).
 */
export const refreshChunkSessions = 1000;

/** Arrivals and departures sent in one script call at most. */
export const changeBatchSize = 500;

/**
 * The least time between two presence script calls of a process: a storm of connections
 * costs a call every so often rather than one a connection, and a notice of an arrival is
 * late by that much at most.
 */
export const changeGapMs = 20;

/**
 * How long after Redis comes back presence may still lack sessions: a Redis that restarted
 * forgot them, and each process enters its own again at its next refresh (every
 * `presenceRefreshMs`). Meanwhile, reads that could be wrong for want of them (who is
 * there; that someone is not) are answered `unavailable`.
 */
export const presenceSettleMs = 2 * presenceRefreshMs;

/**
 * Presence shared by every process through Redis; see presence-scripts.ts for the keys.
 *
 * Arrivals and departures go out in one queue, in the order they were made: those made in
 * one go (a connection enters the service and the lobby) travel together, at once when
 * nothing was sent in the last `changeGapMs`; those made while a call is on its way, or
 * within that gap, wait for it, then go together in the next. A storm of connections costs
 * a call every `changeGapMs` rather than two for each connection, and a session's departure
 * never reaches Redis before its arrival.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: RedisCommands;
  readonly #keyPrefix: string;
  readonly #scopesKey: string;
  readonly #changes: Batches<"changes", Change, PresenceShift>;
  readonly #guard: RequestGuard;
  readonly #timeoutMs: number;
  /** Until then, Redis is back from an outage and presence not yet rebuilt (see `presenceSettleMs`). */
  #settlingUntil = 0;

  /** `timeoutMs`: how long a request waits for Redis before it is answered `unavailable` (REDIS_TIMEOUT_MS). */
  constructor(redis: RedisCommands, prefix: string, { timeoutMs = defaultRedisTimeoutMs }: { timeoutMs?: number } = {}) {
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    this.#guard = guardRequests(redis, timeoutMs);
    // The client is connected by now: each "ready" from here on is a return after an outage.
    redis.on("ready", () => {
      this.#settlingUntil = Date.now() + presenceSettleMs;
    });
    this.#keyPrefix = `${prefix}:presence:`;
    this.#scopesKey = `${prefix}:presence-scopes`;
    this.#changes = new Batches((_, changes) => this.#send(changes), {
      maxItems: changeBatchSize,
      maxWeight: Number.POSITIVE_INFINITY,
      weigh: () => 1,
      gapMs: changeGapMs,
      together: true,
    });
  }

  #usersKey = (scope: PresenceScope) => `${this.#keyPrefix}${scope}`;

  /** One script call for the changes given, in order; each gets its own shift back. */
  async #send(changes: Change[]): Promise<PresenceShift[]> {
    const now = Date.now();
    const args = [String(now), String(now + presenceTtlMs), keyTtlMs, this.#keyPrefix];
    for (const { kind, session } of changes) args.push(kind, session.scope, session.user, session.socketId);
    // Not refused while Redis is away: node-redis sends the changes once it is back, in order.
    // Bounded, so that a hung Redis holds neither the changes queued behind nor a `room:join`.
    return shiftsOf(await withDeadline(changeScript.run(this.#redis, [this.#scopesKey], args), this.#timeoutMs));
  }

  enter(session: PresenceSession): Promise<PresenceShift> {
    return this.#changes.submit("changes", { kind: "+", session });
  }

  /** Straight to Redis, not through the queue of changes: the handshake waits for the answer. */
  async admit(user: UserName, socketId: string, max: number): Promise<Admission> {
    // Rather than wait in the client's queue for Redis to come back, with the handshake.
    if (!this.#redis.isReady) throw new Error("Redis is not ready");
    const now = Date.now();
    const reply = await withDeadline(
      admitScript.run(
        this.#redis,
        [`${this.#usersKey(onlineScope)}:${user}`],
        [String(now), String(now + presenceTtlMs), keyTtlMs, String(max), socketId],
      ),
      this.#timeoutMs,
    );
    return reply === -1 ? { admitted: true } : { admitted: false, held: Number(reply) };
  }

  leave(session: PresenceSession): Promise<PresenceShift> {
    return this.#changes.submit("changes", { kind: "-", session });
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    this.#refuseWhileSettling();
    const users = await this.#guard(() => this.#redis.zRangeByScore(this.#usersKey(scope), `(${Date.now()}`, "+inf"));
    return users.sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    const expiry = await this.#guard(() => this.#redis.zScore(this.#usersKey(scope), user));
    const present = expiry !== null && expiry > Date.now();
    // Present is sure; absent, just after Redis came back, may only be not entered again yet.
    if (!present) this.#refuseWhileSettling();
    return present;
  }

  #refuseWhileSettling(): void {
    if (Date.now() < this.#settlingUntil) {
      throw new StoreUnavailableError(new Error("presence is being rebuilt since Redis came back"));
    }
  }

  /**
   * One script call per `refreshChunkSessions` sessions, one after the other: the sessions are
   * read from `sessions` as each call is made, so that only one call's worth is held at a time.
   */
  async refresh(sessions: Iterable<PresenceSession>): Promise<void> {
    let args: string[] = [];
    const send = async () => {
      const head = [String(Date.now() + presenceTtlMs), keyTtlMs, this.#keyPrefix];
      await refreshScript.run(this.#redis, [this.#scopesKey], head.concat(args));
      args = [];
    };
    for (const { scope, user, socketId } of sessions) {
      args.push(scope, user, socketId);
      if (args.length >= refreshChunkSessions * 3) await send();
    }
    if (args.length > 0) await send();
  }

  async sweep(): Promise<PresenceExpiry[]> {
    const flat = (await sweepScript.run(this.#redis, [this.#scopesKey], [String(Date.now()), this.#keyPrefix])) as (string | number)[];
    const gone: PresenceExpiry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      gone.push({ scope: String(flat[i]), user: String(flat[i + 1]), usersAfter: Number(flat[i + 2]) });
    }
    return gone;
  }
}
