import { Counter, type Registry } from "prom-client";

/**
 * `chat_redis_messages_received_total{worker}`: the pub/sub messages this worker's subscriber
 * receives from Redis, on every channel. With a subscription per room that has members here,
 * it grows with the traffic of those rooms only. The `worker` label (the cluster worker id)
 * keeps one series a worker where the primary aggregates the workers' metrics, which would
 * otherwise sum them. Returns what to call for each message.
 */
export function countRedisMessages(registry: Registry, worker: number): () => void {
  const counter = new Counter({
    name: "chat_redis_messages_received_total",
    help: "Pub/sub messages the worker's Redis subscriber received, on every channel, by cluster worker id.",
    labelNames: ["worker"] as const,
    registers: [registry],
  });
  const series = counter.labels({ worker: String(worker) });
  // Present from the start, at 0, so that a rate over it never begins with a gap.
  series.inc(0);
  return () => series.inc();
}
