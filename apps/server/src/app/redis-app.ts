import type { Server as HttpServer } from "node:http";
import type { Config } from "../config.ts";
import { RedisUserBuckets } from "../limits/redis-user-buckets.ts";
import type { Log } from "../logging/log.ts";
import { RedisMessageStore } from "../messages/redis-message-store.ts";
import type { ChatMetrics } from "../ops/metrics.ts";
import { RedisPresenceStore } from "../presence/redis-presence-store.ts";
import type { RedisClients } from "../redis/clients.ts";
import { shardedRoomAdapter } from "../seams/room-adapter.ts";
import { appOptionsOf, sendLimiterOf } from "./config-options.ts";
import { createChatApp, type ChatApp } from "./create-app.ts";

/**
 * The app of a process joined to the others through Redis: the Redis stores, the per-user
 * send limits kept in Redis, and the sharded adapter. While the subscription was down, the
 * process may have missed messages: its clients are told to catch up from the stores, as
 * after a reconnect.
 */
export function createRedisChatApp(
  httpServer: HttpServer,
  redis: RedisClients,
  config: Config,
  { log, metrics }: { log: Log; metrics: ChatMetrics },
): ChatApp {
  const prefix = config.REDIS_PREFIX;
  const bound = { timeoutMs: config.REDIS_TIMEOUT_MS };
  const app = createChatApp(
    httpServer,
    {
      log,
      metrics,
      messages: new RedisMessageStore(redis.pub, prefix, bound),
      presence: new RedisPresenceStore(redis.pub, prefix, bound),
      limiter: sendLimiterOf(config, (perSecond) => new RedisUserBuckets(redis.pub, prefix, perSecond, bound)),
    },
    {
      ...appOptionsOf(config),
      adapter: shardedRoomAdapter(redis, prefix, bound),
      // Half the shutdown budget, so that the primary does not have to kill the worker.
      drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2,
    },
  );
  redis.onSubscriptionRestored(() => app.io.local.emit("sync:required", { reason: "subscription restored" }));
  return app;
}
