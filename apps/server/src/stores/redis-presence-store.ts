import type { UserName } from "@chat/protocol";
import type { RedisClientType } from "redis";
import { enterScript, leaveScript, refreshScript, sweepScript } from "./presence-scripts.ts";
import {
  presenceTtlMs,
  type PresenceExpiry,
  type PresenceScope,
  type PresenceSession,
  type PresenceShift,
  type PresenceStore,
} from "./presence-store.ts";

/** What the enter and leave scripts return: [1 if news else 0, users after]. */
const shiftOf = (reply: unknown): PresenceShift => {
  const [news, usersAfter] = reply as [number, number];
  return { news: news === 1, usersAfter };
};

/** Keys outlive their last refresh by this long, so that abandoned ones disappear. */
const keyTtlMs = String(presenceTtlMs * 4);

/**
 * Sessions refreshed by one script call: enough that a process with tens of thousands of
 * sessions needs few round trips, few enough that no call holds Redis up for long (each
 * session is three commands inside the script).
 */
export const refreshChunkSessions = 1000;

/** Presence shared by every process through Redis; see presence-scripts.ts for the keys. */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: RedisClientType;
  readonly #keyPrefix: string;
  readonly #scopesKey: string;

  constructor(redis: RedisClientType, prefix: string) {
    this.#redis = redis;
    this.#keyPrefix = `${prefix}:presence:`;
    this.#scopesKey = `${prefix}:presence-scopes`;
  }

  #usersKey = (scope: PresenceScope) => `${this.#keyPrefix}${scope}`;
  #sessionsKey = (scope: PresenceScope, user: UserName) => `${this.#keyPrefix}${scope}:${user}`;

  async enter({ scope, user, socketId }: PresenceSession): Promise<PresenceShift> {
    const now = Date.now();
    const reply = await enterScript.run(
      this.#redis,
      [this.#usersKey(scope), this.#sessionsKey(scope, user), this.#scopesKey],
      [String(now), String(now + presenceTtlMs), user, socketId, scope, keyTtlMs],
    );
    return shiftOf(reply);
  }

  async leave({ scope, user, socketId }: PresenceSession): Promise<PresenceShift> {
    const reply = await leaveScript.run(
      this.#redis,
      [this.#usersKey(scope), this.#sessionsKey(scope, user)],
      [String(Date.now()), user, socketId],
    );
    return shiftOf(reply);
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    const users = await this.#redis.zRangeByScore(this.#usersKey(scope), `(${Date.now()}`, "+inf");
    return users.sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    const expiry = await this.#redis.zScore(this.#usersKey(scope), user);
    return expiry !== null && expiry > Date.now();
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
