import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll } from "vitest";
import { defaultRedisUrl } from "../../src/config.ts";
import { RedisPresenceStore } from "../../src/presence/redis-presence-store.ts";
import { uniquePrefix } from "@chat/test-kit";

/**
 * A presence store on the real Redis under a prefix of its own, for the describe block that
 * calls this: connected before its tests, its keys deleted and the connection closed after.
 */
export function redisPresenceStoreForTests(): { store(): RedisPresenceStore } {
  const prefix = uniquePrefix();
  let redis: RedisClientType | undefined;
  let store: RedisPresenceStore | undefined;
  beforeAll(async () => {
    redis = createClient({ url: defaultRedisUrl });
    await redis.connect();
    store = new RedisPresenceStore(redis, prefix);
  });
  afterAll(async () => {
    if (redis === undefined) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });
  return {
    store: () => {
      if (store === undefined) throw new Error("the presence store is set up in beforeAll");
      return store;
    },
  };
}
