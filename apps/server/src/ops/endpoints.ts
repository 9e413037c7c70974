import cluster from "node:cluster";
import type { Server as HttpServer } from "node:http";
import { AggregatorRegistry, Gauge, register, Registry } from "prom-client";
import { serveOps, type OtherPaths, type Readiness } from "./http.ts";
import { answerWorkers, askPrimary } from "./ipc.ts";
import { createProcessMetrics, watchRedis, type ChatMetrics } from "./metrics.ts";

/**
 * The operations endpoints and metrics of each role. In a cluster, a worker answers the
 * request (the primary hands it every connection) and asks the primary what only the
 * primary knows: how many workers are up, and the metrics of all of them, which the primary
 * gathers with prom-client's AggregatorRegistry.
 */

// Constructed in a worker, an AggregatorRegistry installs prom-client's listener that answers
// the primary's requests for this process's metrics (its global registry). At once, on import:
// a worker still starting, or waiting for Redis, then answers too (with what it has so far),
// rather than making the primary's gathering time out.
if (cluster.isWorker) new AggregatorRegistry();

/** How long a worker waits for the primary's view of the cluster. */
const clusterQueryTimeoutMs = 2_000;
/** prom-client gives up on workers after 5 s; a little more, so that its error comes through. */
const metricsQueryTimeoutMs = 6_000;

export interface ClusterState {
  /** WORKERS: how many workers the cluster should have. */
  workers: number;
  readyWorkers(): number;
  stopping(): boolean;
}

/** In the primary: answers the workers' queries about the cluster and its metrics. */
export function answerOpsQueries(state: ClusterState): void {
  const aggregator = new AggregatorRegistry();
  const own = new Registry();
  new Gauge({
    name: "chat_workers_ready",
    help: "Workers that can take connections, as the primary counts them.",
    registers: [own],
    collect() {
      this.set(state.readyWorkers());
    },
  });
  new Gauge({
    name: "chat_workers_expected",
    help: "Workers the cluster should have (WORKERS).",
    registers: [own],
    collect() {
      this.set(state.workers);
    },
  });
  answerWorkers({
    cluster: async () => ({ readyWorkers: state.readyWorkers(), workers: state.workers, stopping: state.stopping() }),
    metrics: async () => {
      const [workers, primary] = await Promise.all([aggregator.clusterMetrics(), own.metrics()]);
      return { contentType: aggregator.contentType, text: `${workers.trimEnd()}\n\n${primary}` };
    },
  });
}

export interface RedisState {
  pub: { readonly isReady: boolean };
  sub: { readonly isReady: boolean };
}

/**
 * In a cluster worker: its metrics (in prom-client's global registry, which the primary
 * gathers) and the endpoints on `httpServer`, other paths answered by `otherPaths`. Call
 * before Socket.IO attaches to the server.
 */
export function serveWorkerOps(httpServer: HttpServer, redis: RedisState, otherPaths?: OtherPaths): ChatMetrics {
  const metrics = createProcessMetrics(register);
  watchRedis(register, [
    { role: "publisher", isReady: () => redis.pub.isReady },
    { role: "subscriber", isReady: () => redis.sub.isReady },
  ]);
  serveOps(httpServer, {
    readiness: async (): Promise<Readiness> => {
      const problems: string[] = [];
      const checks: Record<string, unknown> = {
        redis: { publisher: redis.pub.isReady, subscriber: redis.sub.isReady },
      };
      if (!redis.pub.isReady) problems.push("the Redis publisher is not ready");
      if (!redis.sub.isReady) problems.push("the Redis subscriber is not ready");
      try {
        const cluster = await askPrimary("cluster", clusterQueryTimeoutMs);
        checks.workers = { ready: cluster.readyWorkers, expected: cluster.workers };
        if (cluster.stopping) problems.push("the cluster is shutting down");
        else if (cluster.readyWorkers < cluster.workers) {
          problems.push(`${cluster.readyWorkers} of ${cluster.workers} workers ready`);
        }
      } catch (error) {
        problems.push(`no answer from the primary: ${error instanceof Error ? error.message : String(error)}`);
      }
      return problems.length === 0 ? { ready: true, checks } : { ready: false, reason: problems.join("; "), checks };
    },
    metrics: () => askPrimary("metrics", metricsQueryTimeoutMs),
  }, { otherPaths });
  return metrics;
}

/** In the single process without Redis: its own metrics; ready once it listens; other paths answered by `otherPaths`. */
export function serveStandaloneOps(httpServer: HttpServer, otherPaths?: OtherPaths): ChatMetrics {
  const metrics = createProcessMetrics(register);
  serveOps(httpServer, {
    readiness: async () =>
      httpServer.listening
        ? { ready: true, checks: { listening: true } }
        : { ready: false, reason: "not listening yet", checks: { listening: false } },
    metrics: async () => ({ contentType: register.contentType, text: await register.metrics() }),
  }, { otherPaths });
  return metrics;
}
