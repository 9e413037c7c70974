import type { UserName } from "@chat/protocol";
import type { RedisClientType } from "redis";
import { enterScript, leaveScript, sweepScript } from "./presence-scripts.ts";
import {
  presenceTtlMs,
  type PresenceScope,
  type PresenceSession,
  type PresenceStore,
} from "./presence-store.ts";

/** Keys outlive their last refresh by this long, so that abandoned ones disappear. */
const keyTtlMs = String(presenceTtlMs * 4);

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

  async enter({ scope, user, socketId }: PresenceSession): Promise<boolean> {
    const now = Date.now();
    const first = await enterScript.run(
      this.#redis,
      [this.#usersKey(scope), this.#sessionsKey(scope, user), this.#scopesKey],
      [String(now), String(now + presenceTtlMs), user, socketId, scope, keyTtlMs],
    );
    return first === 1;
  }

  async leave({ scope, user, socketId }: PresenceSession): Promise<boolean> {
    const last = await leaveScript.run(
      this.#redis,
      [this.#usersKey(scope), this.#sessionsKey(scope, user)],
      [String(Date.now()), user, socketId],
    );
    return last === 1;
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    const users = await this.#redis.zRangeByScore(this.#usersKey(scope), `(${Date.now()}`, "+inf");
    return users.sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    const expiry = await this.#redis.zScore(this.#usersKey(scope), user);
    return expiry !== null && expiry > Date.now();
  }

  async refresh(sessions: PresenceSession[]): Promise<void> {
    const expiry = Date.now() + presenceTtlMs;
    const ttl = Number(keyTtlMs);
    const scopes = new Set(sessions.map(({ scope }) => scope));
    // Issued together, node-redis pipelines these into few round trips. Keys shared by many
    // sessions (a scope's users, the list of scopes) are touched once.
    await Promise.all([
      ...sessions.flatMap(({ scope, user, socketId }) => [
        this.#redis.zAdd(this.#sessionsKey(scope, user), { score: expiry, value: socketId }),
        this.#redis.pExpire(this.#sessionsKey(scope, user), ttl),
        this.#redis.zAdd(this.#usersKey(scope), { score: expiry, value: user }, { GT: true }),
      ]),
      ...[...scopes].map((scope) => this.#redis.pExpire(this.#usersKey(scope), ttl)),
      ...(scopes.size === 0 ? [] : [this.#redis.sAdd(this.#scopesKey, [...scopes])]),
    ]);
  }

  async sweep(): Promise<{ scope: PresenceScope; user: UserName }[]> {
    const flat = (await sweepScript.run(this.#redis, [this.#scopesKey], [String(Date.now()), this.#keyPrefix])) as string[];
    const gone: { scope: PresenceScope; user: UserName }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ scope: flat[i] as string, user: flat[i + 1] as string });
    return gone;
  }
}
