import cluster from "node:cluster";
import type { Server as HttpServer } from "node:http";
import { AggregatorRegistry, Gauge, register, Registry } from "prom-client";
import { serveOps, type OpsProbes, type OtherPaths, type Readiness } from "./http.ts";
import { answerWorkers, askPrimary, reportRedis, watchWorkersRedis } from "./ipc.ts";
import { createProcessMetrics, watchRedis, type ChatMetrics } from "./metrics.ts";
import { watchPing } from "./redis-ping.ts";

/**
 * The operations endpoints and metrics of each role. On the public port, in a cluster, a
 * worker answers `/healthz` and the plain `/readyz` (the primary hands it every connection)
 * and asks the primary what only the primary knows: how many workers are up. The operations
 * port is the primary's own: it gathers the workers' metrics with prom-client's
 * AggregatorRegistry, and their Redis state from their reports.
 */

// Constructed in a worker, an AggregatorRegistry installs prom-client's listener that answers
// the primary's requests for this process's metrics (its global registry). At once, on import:
// a worker still starting, or waiting for Redis, then answers too (with what it has so far),
// rather than making the primary's gathering time out.
if (cluster.isWorker) new AggregatorRegistry();

/** How long a worker waits for the primary's view of the cluster. */
const clusterQueryTimeoutMs = 2_000;

export interface ClusterState {
  /** WORKERS: how many workers the cluster should have. */
  workers: number;
  readyWorkers(): number;
  stopping(): boolean;
}

/**
 * In the primary: answers the workers' queries about the cluster; returns what the
 * operations port reports: the cluster's readiness (workers, stopping, every worker's Redis)
 * and the metrics of every worker and of the primary.
 */
export function answerOpsQueries(state: ClusterState): OpsProbes {
  const redis = watchWorkersRedis();
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
  });
  return {
    readiness: async (): Promise<Readiness> => {
      const reports = [...redis.values()];
      const publisher = reports.every((report) => report.publisher);
      const subscriber = reports.every((report) => report.subscriber);
      const ping = reports.every((report) => report.ping);
      const ready = state.readyWorkers();
      const checks = { redis: { publisher, subscriber, ping }, workers: { ready, expected: state.workers } };
      const problems: string[] = [];
      if (!publisher) problems.push("the Redis publisher is not ready");
      if (!subscriber) problems.push("the Redis subscriber is not ready");
      // A worker not connected is told above; one connected whose PINGs go unanswered, here.
      if (!reports.every((report) => !report.publisher || report.ping)) problems.push("Redis did not answer PING in time");
      if (state.stopping()) problems.push("the cluster is shutting down");
      else if (ready < state.workers) problems.push(`${ready} of ${state.workers} workers ready`);
      return problems.length === 0 ? { ready: true, checks } : { ready: false, reason: problems.join("; "), checks };
    },
    metrics: async () => {
      const [workers, primary] = await Promise.all([aggregator.clusterMetrics(), own.metrics()]);
      return { contentType: aggregator.contentType, text: `${workers.trimEnd()}\n\n${primary}` };
    },
  };
}

export interface RedisState {
  pub: { readonly isReady: boolean; ping(): Promise<string> };
  sub: { readonly isReady: boolean };
}

/**
 * In a cluster worker: its metrics (in prom-client's global registry, which the primary
 * gathers), its Redis state reported to the primary, and the public endpoints on
 * `httpServer`, other paths answered by `otherPaths` (the web app). Call before Socket.IO
 * attaches to the server. Ready needs Redis to answer PING within `redisTimeoutMs`: a hung
 * Redis keeps its connections open, and only an answer tells it from a live one.
 */
export function serveWorkerOps(
  httpServer: HttpServer,
  redis: RedisState,
  redisTimeoutMs: number,
  otherPaths?: OtherPaths,
): ChatMetrics {
  const metrics = createProcessMetrics(register);
  watchRedis(register, [
    { role: "publisher", isReady: () => redis.pub.isReady },
    { role: "subscriber", isReady: () => redis.sub.isReady },
  ]);
  const ping = watchPing(redis.pub, redisTimeoutMs);
  reportRedis(() => ({ publisher: redis.pub.isReady, subscriber: redis.sub.isReady, ping: ping.answering() }));
  serveOps(httpServer, {
    readiness: async (): Promise<Readiness> => {
      const problems: string[] = [];
      // Told below when not connected; a connected Redis must answer a PING in time.
      const pingProblem = redis.pub.isReady ? await ping.problemNow() : undefined;
      const checks: Record<string, unknown> = {
        redis: { publisher: redis.pub.isReady, subscriber: redis.sub.isReady, ping: redis.pub.isReady && pingProblem === undefined },
      };
      if (!redis.pub.isReady) problems.push("the Redis publisher is not ready");
      if (!redis.sub.isReady) problems.push("the Redis subscriber is not ready");
      if (pingProblem !== undefined) problems.push(`Redis did not answer PING: ${pingProblem}`);
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
  }, "public", { otherPaths });
  return metrics;
}

/**
 * In the single process without Redis: its own metrics; ready once it listens. The public
 * endpoints on `httpServer`, other paths answered by `otherPaths` (the web app); returns what
 * the operations port reports too.
 */
export function serveStandaloneOps(
  httpServer: HttpServer,
  otherPaths?: OtherPaths,
): { metrics: ChatMetrics; operations: OpsProbes } {
  const metrics = createProcessMetrics(register);
  const operations: OpsProbes = {
    readiness: async () =>
      httpServer.listening
        ? { ready: true, checks: { listening: true } }
        : { ready: false, reason: "not listening yet", checks: { listening: false } },
    metrics: async () => ({ contentType: register.contentType, text: await register.metrics() }),
  };
  serveOps(httpServer, { readiness: operations.readiness }, "public", { otherPaths });
  return { metrics, operations };
}
