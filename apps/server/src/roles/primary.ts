import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import { setupPrimary } from "@chat/sticky";
import type { Config } from "../config.ts";
import { describeRedis, type RedisTarget } from "../redis/redis-target.ts";
import { createLog } from "../logging/log.ts";
import { answerOpsQueries } from "../ops/endpoints.ts";
import { listenOps } from "../ops/ops-server.ts";
import { readyMessage, shutdownMessage } from "./shutdown.ts";

/** How long a new connection may take to send its whole HTTP header: Node's HTTP server's default headersTimeout. */
const headerTimeoutMs = 60_000;

/** More deaths than this within `crashWindowMs` means a crash loop: respawn slowly. */
const crashLimit = 5;
const crashWindowMs = 10_000;
const crashLoopDelayMs = 1_000;

/**
 * The cluster primary: owns the port, hands each connection to a worker (the same worker
 * for every request of a session), keeps `WORKERS` workers alive, and stops them all on
 * SIGINT or SIGTERM within `SHUTDOWN_TIMEOUT_MS`. It answers no client itself; it serves the
 * operations port (OPS_HOST:OPS_PORT).
 */
export async function startPrimary(config: Config, redis: RedisTarget): Promise<void> {
  const log = createLog("primary", config.LOG_FORMAT);
  // A cluster's nodes reach the workers with the rest of the settings.
  const workerEnv = "url" in redis ? { REDIS_URL: redis.url } : {};

  // The primary reads a connection's HTTP header only to choose its worker: a TCP server, not
  // an HTTP one, which would set up a parser for every connection that never parses a byte.
  // Like Node's HTTP server (headersTimeout), it closes a connection whose header is not
  // complete within a minute.
  const server = createServer();
  setupPrimary(server, { loadBalancingMethod: "least-connection", headerTimeoutMs });

  let stopping = false;
  const recentDeaths: number[] = [];
  const fork = (): Worker => cluster.fork(workerEnv);

  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && (recentDeaths[0] ?? now) < now - crashWindowMs) recentDeaths.shift();
    const delay = recentDeaths.length > crashLimit ? crashLoopDelayMs : 0;
    log.error(`worker ${worker.id} exited (${signal ?? `code ${code}`}), starting a replacement`);
    setTimeout(fork, delay);
  });

  // Listen only once WORKERS workers can take connections (replacements of workers that
  // died while starting count too): a connection handed over earlier would wait for them.
  const ready = new Set<number>();
  let onReady = () => {};
  cluster.on("message", (worker, message: unknown) => {
    if (message !== readyMessage) return;
    ready.add(worker.id);
    onReady();
  });
  cluster.on("exit", (worker) => ready.delete(worker.id));
  // The workers answer the public /readyz and ask this process for the cluster's view; the
  // operations port is this process's own.
  const operations = answerOpsQueries({ workers: config.WORKERS, readyWorkers: () => ready.size, stopping: () => stopping });
  for (let i = 0; i < config.WORKERS; i++) fork();
  await new Promise<void>((resolve) => {
    onReady = () => {
      if (ready.size >= config.WORKERS) resolve();
    };
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.PORT;
  log.info(
    `listening on port ${port} with ${config.WORKERS} workers, Redis adapter at ${describeRedis(redis)} (prefix ${config.REDIS_PREFIX})`,
  );
  const opsServer = await listenOps(config, operations, log);

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    server.close();
    opsServer.close();
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected()) worker.send(shutdownMessage);
    }
    const deadline = setTimeout(() => {
      log.error(`workers still running after ${config.SHUTDOWN_TIMEOUT_MS} ms, killing them`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    const exitWhenAllGone = () => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      clearTimeout(deadline);
      log.info("stopped");
      process.exit(0);
    };
    cluster.on("exit", exitWhenAllGone);
    exitWhenAllGone();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
