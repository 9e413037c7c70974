import type { Server as HttpServer } from "node:http";
import { waitReplicasOf, type Config } from "../config.ts";
import { RedisRoomQuota } from "../limits/redis-room-quota.ts";
import { RedisUserBuckets } from "../limits/redis-user-buckets.ts";
import type { Log } from "../logging/log.ts";
import { RedisRoomRegistry } from "../membership/redis-room-registry.ts";
import { privateRoomKeys } from "../membership/room-keys.ts";
import { RedisMessageStore } from "../messages/redis-message-store.ts";
import type { ChatMetrics } from "../ops/metrics.ts";
import { RedisPresenceStore } from "../presence/redis-presence-store.ts";
import type { RedisClients } from "../redis/clients.ts";
import { replicaWait } from "../redis/replica-wait.ts";
import { adapterEnvelope } from "../seams/adapter-envelope.ts";
import { shardedRoomAdapter } from "../seams/room-adapter.ts";
import { appOptionsOf, eventLimiterOf, presenceTimingOf, retentionOf, sendLimiterOf } from "./config-options.ts";
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
  const retention = retentionOf(config);
  const bound = { timeoutMs: config.REDIS_TIMEOUT_MS };
  const app = createChatApp(
    httpServer,
    {
      log,
      metrics,
      messages: new RedisMessageStore(redis.pub, prefix, adapterEnvelope, {
        retention,
        // A private room's members live as long as its history: never shorter, or the history would be left public.
        roomCompanions: (room) => Object.values(privateRoomKeys(prefix, room)),
        replicated: replicaWait(redis.waitOnKeyNode, waitReplicasOf(config), config.REDIS_WAIT_TIMEOUT_MS),
        ...bound,
      }),
      rooms: new RedisRoomRegistry(redis.pub, prefix, retention.idleTtlMs, bound),
      roomQuota: new RedisRoomQuota(redis.pub, prefix, config.MAX_ROOMS_PER_USER_PER_DAY, bound),
      presence: new RedisPresenceStore(redis.pub, prefix, { ...bound, ...presenceTimingOf(config) }),
      limiter: sendLimiterOf(config, (perSecond) => new RedisUserBuckets(redis.pub, prefix, perSecond, "rate", bound)),
      eventLimiter: eventLimiterOf(config, (perSecond) => new RedisUserBuckets(redis.pub, prefix, perSecond, "event-rate", bound)),
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
