import cluster from "node:cluster";
import { createServer } from "node:http";
import { setupWorker } from "@socket.io/sticky";
import { register } from "prom-client";
import { createChatApp } from "./app.ts";
import { accessOptions } from "./auth/access.ts";
import type { Config } from "./config.ts";
import { limitOptions, sendLimiterOf } from "./limits/limit-options.ts";
import { RedisUserBuckets } from "./limits/redis-user-buckets.ts";
import { createLog } from "./log.ts";
import { countRedisMessages } from "./ops/redis-traffic.ts";
import { serveWorkerOps } from "./ops/roles.ts";
import { connectRedis } from "./redis-clients.ts";
import { shardedRoomAdapter } from "./room-adapter.ts";
import { RedisMessageStore } from "./stores/redis-message-store.ts";
import { RedisPresenceStore } from "./stores/redis-presence-store.ts";
import { onShutdownRequest, readyMessage } from "./shutdown.ts";

/**
 * A cluster worker: an HTTP server that never listens (the primary hands it connections),
 * Socket.IO with the sharded Redis adapter, and the chat handlers.
 */
export async function startWorker(config: Config & { REDIS_URL: string }): Promise<void> {
  const workerId = cluster.worker?.id ?? 0;
  const log = createLog(`worker: ${workerId}`, config.LOG_FORMAT);
  const redis = await connectRedis(config.REDIS_URL, log, { received: countRedisMessages(register, workerId) });
  const httpServer = createServer();
  // Before Socket.IO attaches, which then passes it every request outside /socket.io/.
  const metrics = serveWorkerOps(httpServer, redis);
  const app = createChatApp(
    httpServer,
    {
      log,
      metrics,
      messages: new RedisMessageStore(redis.pub, config.REDIS_PREFIX),
      presence: new RedisPresenceStore(redis.pub, config.REDIS_PREFIX),
      limiter: sendLimiterOf(config, (perSecond) => new RedisUserBuckets(redis.pub, config.REDIS_PREFIX, perSecond)),
    },
    {
      adapter: shardedRoomAdapter(redis, config.REDIS_PREFIX),
      // Half the shutdown budget, so that the primary does not have to kill the worker.
      drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2,
      ...accessOptions(config),
      ...limitOptions(config),
    },
  );
  // While the subscription was down this worker may have missed messages: its clients
  // catch up from the stores, as after a reconnect.
  redis.onSubscriptionRestored(() => app.io.local.emit("sync:required", { reason: "subscription restored" }));
  // Both options of the patched package (see patches/): the primary passes the next connection
  // on Node.js's own acknowledgement of the last, and WebSocket sessions are counted to it
  // together every 20 ms; two IPC messages fewer for each connection.
  setupWorker(app.io, { handoffAck: "internal", sessionReports: "batched" });
  process.send?.(readyMessage);

  onShutdownRequest(async () => {
    await app.close();
    await redis.close();
  });
}
