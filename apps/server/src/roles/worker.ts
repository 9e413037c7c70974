import cluster from "node:cluster";
import { createServer } from "node:http";
import { setupWorker } from "@chat/sticky";
import { register } from "prom-client";
import { createRedisChatApp } from "../app/redis-app.ts";
import type { Config } from "../config.ts";
import { createLog } from "../logging/log.ts";
import { countRedisMessages } from "../ops/redis-traffic.ts";
import { serveWorkerOps } from "../ops/endpoints.ts";
import { connectRedis } from "../redis/clients.ts";
import { connectRedisCluster } from "../redis/cluster-clients.ts";
import type { RedisTarget } from "../redis/redis-target.ts";
import { serveWebApp } from "../web/static-files.ts";
import { onShutdownRequest, readyMessage } from "./shutdown.ts";

/**
 * A cluster worker: an HTTP server that never listens (the primary hands it connections),
 * Socket.IO with the sharded Redis adapter, and the chat handlers.
 */
export async function startWorker(config: Config, target: RedisTarget): Promise<void> {
  const workerId = cluster.worker?.id ?? 0;
  const log = createLog(`worker: ${workerId}`, config.LOG_FORMAT);
  const received = countRedisMessages(register, workerId);
  const redis =
    "url" in target ? await connectRedis(target.url, log, { received }) : await connectRedisCluster(target.clusterNodes, log, { received });
  const httpServer = createServer();
  // Before Socket.IO attaches, which then passes it every request outside /socket.io/: the
  // public endpoints, and the web app at every other path.
  const metrics = serveWorkerOps(httpServer, redis.health, config.REDIS_TIMEOUT_MS, serveWebApp(config.WEB_ROOT).answer);
  const app = createRedisChatApp(httpServer, redis, config, { log, metrics });
  // Both worker options of @chat/sticky: the primary passes the next connection
  // on Node.js's own acknowledgement of the last, and WebSocket sessions are counted to it
  // together every 20 ms; two IPC messages fewer for each connection.
  setupWorker(app.io, { handoffAck: "internal", sessionReports: "batched" });
  process.send?.(readyMessage);

  onShutdownRequest(async () => {
    await app.close();
    await redis.close();
  });
}
