import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll } from "vitest";
import { defaultRedisUrl } from "../../src/config.ts";
import type { PresenceTiming } from "../../src/presence/presence-store.ts";
import { RedisPresenceStore } from "../../src/presence/redis-presence-store.ts";
import { uniquePrefix } from "@chat/test-kit";

/**
 * A presence store on the real Redis under a prefix of its own, for the describe block that
 * calls this: connected before its tests, its keys deleted and the connection closed after.
 * `another()` is the store of one more process on the same prefix and connection;
 * `forget()` deletes every key of the prefix, as a Redis that restarted without its data.
 * `timing`: every store's TTL and refresh interval; unset, the server's defaults.
 */
export function redisPresenceStoreForTests(timing: Partial<PresenceTiming> = {}): { store(): RedisPresenceStore; another(): RedisPresenceStore; forget(): Promise<void> } {
  const prefix = uniquePrefix();
  let redis: RedisClientType | undefined;
  let store: RedisPresenceStore | undefined;
  beforeAll(async () => {
    redis = createClient({ url: defaultRedisUrl });
    await redis.connect();
    store = new RedisPresenceStore(redis, prefix, timing);
  });
  afterAll(async () => {
    if (redis === undefined) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });
  return {
    forget: async () => {
      if (redis === undefined) throw new Error("the presence store is set up in beforeAll");
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(keys);
    },
    another: () => {
      if (redis === undefined) throw new Error("the presence store is set up in beforeAll");
      return new RedisPresenceStore(redis, prefix, timing);
    },
    store: () => {
      if (store === undefined) throw new Error("the presence store is set up in beforeAll");
      return store;
    },
  };
}
