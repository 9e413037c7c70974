import cluster from "node:cluster";
import { startReferencePrimary } from "../reference/primary.ts";
import { startStreamsWorker } from "./worker.ts";

/**
 * The second reference server, the streams recipe: a Node cluster with @socket.io/sticky
 * (the same patched copy and primary as the first reference), Socket.IO's connection state
 * recovery and @socket.io/redis-streams-adapter over node-redis, relaying one event.
 *
 * Settings come from the environment, as the first reference's do: PORT, WORKERS, REDIS_URL
 * and REFERENCE_KEY (the name of its stream, channels and session keys).
 */
const settings = {
  port: Number(process.env.PORT ?? 3000),
  workers: Number(process.env.WORKERS ?? 2),
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  key: process.env.REFERENCE_KEY ?? "socket.io",
};

const started = cluster.isPrimary ? startReferencePrimary(settings, "streams") : startStreamsWorker(settings);
started.catch((error: unknown) => {
  process.stderr.write(`streams: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
