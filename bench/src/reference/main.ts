import cluster from "node:cluster";
import { startReferencePrimary } from "./primary.ts";
import { startReferenceWorker } from "./worker.ts";

/**
 * The reference server: the plain Socket.IO cluster recipe (node:cluster, @socket.io/sticky,
 * @socket.io/redis-adapter over node-redis) that the project is measured against. It relays
 * one event and does nothing else: no validation, no storage, no presence.
 *
 * Settings come from the environment: PORT (0 for any free port), WORKERS, REDIS_URL and
 * REFERENCE_KEY, the adapter's key, so that runs sharing one Redis do not hear each other.
 */
const settings = {
  port: Number(process.env.PORT ?? 3000),
  workers: Number(process.env.WORKERS ?? 2),
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  key: process.env.REFERENCE_KEY ?? "socket.io",
};

const started = cluster.isPrimary ? startReferencePrimary(settings) : startReferenceWorker(settings);
started.catch((error: unknown) => {
  process.stderr.write(`reference: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
