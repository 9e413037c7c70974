import type { UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import { LuaScript } from "../redis/lua-script.ts";
import { defaultRedisTimeoutMs, isUnreachable, withDeadline } from "../redis/request-guard.ts";
import { StoreUnavailableError } from "../messages/message-store.ts";
import type { UserBuckets } from "./send-limiter.ts";
import { rateOf, refillMsOf, type Rate, type Take } from "./token-bucket.ts";

/**
 * KEYS: the user's bucket (a hash: tokens, at).
 * ARGV: capacity, tokens per second, expiry in milliseconds.
 * Returns [1, 0] when a token was taken, or [0, milliseconds until there is one].
 *
 * One script, so that refilling and taking are one atomic step for every worker and host;
 * the time is Redis's own, so that the hosts' clocks do not matter. A bucket left alone
 * fills up and then expires: a missing bucket is a full one.
 */
const takeScript = new LuaScript(`
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * per_second / 1000)
  at = now
end
local taken = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  wait = math.max(1, math.ceil((1 - tokens) * 1000 / per_second))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { taken, wait }
`);

/**
 * Per-user buckets in Redis (`<prefix>:<kind>:<user>`: `rate` for sends, `event-rate` for
 * every event), shared by every worker and every instance that uses the same Redis and prefix.
 *
 * While Redis is away (or, in a Redis Cluster, the node holding the user's bucket cannot be
 * reached) the user's bucket is not consulted and the send goes on (the connection's bucket
 * still applies): the store it goes on to answers `unavailable`, as it
 * did before there were limits, so the limit changes nothing about how sends fail then.
 * Redis that does not answer within `timeoutMs` (hung) refuses the send as `unavailable`.
 */
export class RedisUserBuckets implements UserBuckets {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly rate: Rate;
  readonly #timeoutMs: number;

  constructor(
    redis: RedisCommands,
    prefix: string,
    perSecond: number,
    kind = "rate",
    { timeoutMs = defaultRedisTimeoutMs }: { timeoutMs?: number } = {},
  ) {
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    this.#prefix = `${prefix}:${kind}`;
    this.rate = rateOf(perSecond);
  }

  async take(user: UserName): Promise<Take | undefined> {
    if (!this.#redis.isReady) return undefined;
    let reply: unknown;
    try {
      reply = await withDeadline(
        takeScript.run(
          this.#redis,
          [`${this.#prefix}:${user}`],
          [String(this.rate.capacity), String(this.rate.perSecond), String(refillMsOf(this.rate) + 1000)],
        ),
        this.#timeoutMs,
      );
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (!this.#redis.isReady || isUnreachable(error)) return undefined;
      throw error;
    }
    if (!Array.isArray(reply) || typeof reply[0] !== "number" || typeof reply[1] !== "number") {
      throw new Error(`unexpected reply from the rate script: ${JSON.stringify(reply)}`);
    }
    return reply[0] === 1 ? { ok: true } : { ok: false, retryAfterMs: reply[1] };
  }
}
