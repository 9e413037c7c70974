import type { RoomName, UserName } from "@chat/protocol";
import type { RedisClientType } from "redis";
import { StoreUnavailableError } from "../messages/message-store.ts";
import { LuaScript } from "../redis/lua-script.ts";
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
  readonly #redis: RedisClientType;
  readonly #prefix: string;
  readonly #perDay: string;

  constructor(redis: RedisClientType, prefix: string, perDay: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#perDay = String(perDay);
  }

  async claim(user: UserName, room: RoomName): Promise<boolean> {
    if (!this.#redis.isReady) throw new StoreUnavailableError(new Error("not connected"));
    const key = `${this.#prefix}:rooms-created:{${user}}:${dayOf(Date.now())}`;
    try {
      return Number(await claimScript.run(this.#redis, [key], [room, this.#perDay, daySetSeconds])) === 1;
    } catch (error) {
      if (!this.#redis.isReady) throw new StoreUnavailableError(error);
      throw error;
    }
  }
}
