import cluster from "node:cluster";
import { createServer } from "node:http";
import { setupWorker } from "@socket.io/sticky";
import { createAdapter } from "@socket.io/redis-adapter";
import { createChatApp } from "./app.ts";
import type { Config } from "./config.ts";
import { createLog } from "./log.ts";
import { connectRedis } from "./redis-clients.ts";
import { RedisMessageLog } from "./stores/redis-message-log.ts";
import { onShutdownRequest, readyMessage } from "./shutdown.ts";

/**
 * A cluster worker: an HTTP server that never listens (the primary hands it connections),
 * Socket.IO with the Redis adapter, and the chat handlers.
 */
export async function startWorker(config: Config & { REDIS_URL: string }): Promise<void> {
  const log = createLog(`worker: ${cluster.worker?.id ?? 0}`);
  const redis = await connectRedis(config.REDIS_URL, log);
  const httpServer = createServer();
  const app = createChatApp(httpServer, {
    log,
    messages: new RedisMessageLog(redis.pub, config.REDIS_PREFIX),
    adapter: createAdapter(redis.pub, redis.sub, { key: config.REDIS_PREFIX }),
  });
  setupWorker(app.io);
  process.send?.(readyMessage);

  onShutdownRequest(async () => {
    await app.close();
    await redis.close();
  });
}
