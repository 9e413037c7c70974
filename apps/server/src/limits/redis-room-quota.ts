import type { RoomName, UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import { LuaScript } from "../redis/lua-script.ts";
import { defaultRedisTimeoutMs, guardRequests, type RequestGuard } from "../redis/request-guard.ts";
import { dayOf, type RoomQuota } from "./room-quota.ts";

/**
 * KEYS: the user's rooms created on one day (a set).
 * ARGV: room, rooms allowed per day, expiry in seconds.
 * Returns 1 if the room is counted (now or before), 0 if the allowance is used up.
 */
const claimScript = new LuaScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** A day's set outlives its day by one, whatever the time zones of the hosts. */
const daySetSeconds = String(2 * 24 * 60 * 60);

/** The per-day room counts in Redis, shared by every worker and host: `<prefix>:rooms-created:{<user>}:<day>`. */
export class RedisRoomQuota implements RoomQuota {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #perDay: string;
  /** Fails fast while Redis is away, and after `timeoutMs` while it hangs, as `unavailable`. */
  readonly #guard: RequestGuard;

  /** `timeoutMs`: how long a request waits for Redis (REDIS_TIMEOUT_MS). */
  constructor(redis: RedisCommands, prefix: string, perDay: number, { timeoutMs = defaultRedisTimeoutMs }: { timeoutMs?: number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#perDay = String(perDay);
    this.#guard = guardRequests(redis, timeoutMs);
  }

  async claim(user: UserName, room: RoomName): Promise<boolean> {
    const key = `${this.#prefix}:rooms-created:{${user}}:${dayOf(Date.now())}`;
    return Number(await this.#guard(() => claimScript.run(this.#redis, [key], [room, this.#perDay, daySetSeconds]))) === 1;
  }
}
