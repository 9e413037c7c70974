import type { BenchContext } from "../context.ts";
import { onCluster, startCluster, startSingle, type StartedRedis } from "../cluster/redis-setups.ts";
import type { RedisSetup, ReplicaWaitStep } from "../results.ts";
import { startTarget, type TargetServer } from "../targets/targets.ts";
import { fanoutStep } from "./fanout.ts";

export const redisSetups: readonly RedisSetup[] = ["cluster-wait", "cluster-no-wait", "single"];

/** The setups in the order repetition `repetition` (from 1) runs them: each goes first in turn. */
export const setupsInOrder = (repetition: number): RedisSetup[] => {
  const shift = (repetition - 1) % redisSetups.length;
  return [...redisSetups.slice(shift), ...redisSetups.slice(0, shift)];
};

/**
 * Replica wait: what acknowledging a send only once a replica has it (`WAIT`) costs fan-out.
 * Three servers of the project side by side in one run, on a Redis Cluster with `WAIT` (the
 * default there), on the same cluster with `REDIS_WAIT_REPLICAS=0`, and on a single Redis
 * started the same way; the fan-out scenario's steps at a few rates against each, the order of
 * the setups turning with each repetition.
 */
export async function runReplicaWait(ctx: BenchContext): Promise<ReplicaWaitStep[]> {
  const started: StartedRedis[] = [];
  const servers = new Map<RedisSetup, TargetServer>();
  try {
    const cluster = await startCluster();
    started.push(cluster);
    const single = await startSingle();
    started.push(single);
    const envOf: Record<RedisSetup, Record<string, string | undefined>> = {
      "cluster-wait": cluster.env,
      "cluster-no-wait": { ...cluster.env, REDIS_WAIT_REPLICAS: "0" },
      single: single.env,
    };
    // Started together: each waits mostly for its workers to load their code.
    const starts = await Promise.allSettled(
      redisSetups.map(async (setup) => {
        const prefix = ctx.namespace("project");
        const server = await startTarget("project", ctx.settings, prefix, envOf[setup]);
        servers.set(setup, server);
        if (setup !== "single") await onCluster(cluster, prefix, ctx.settings.workers);
      }),
    );
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const steps: ReplicaWaitStep[] = [];
    let stepNumber = 0;
    for (const rate of ctx.options.replicaWait.rates) {
      for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
        for (const setup of setupsInOrder(repetition)) {
          const server = servers.get(setup);
          if (server === undefined) continue;
          const step = await fanoutStep(ctx, server, { rate, repetition, room: `wait-${++stepNumber}` });
          ctx.log(
            `replica-wait ${setup} r${repetition} ${rate}/s per sender: ${Math.round(step.deliveriesPerSecond)} deliveries/s of ` +
              `${step.offeredDeliveriesPerSecond} offered, p50 ${step.latencyMs.p50.toFixed(1)} ms, p99 ${step.latencyMs.p99.toFixed(1)} ms, lost ${step.lost}`,
          );
          steps.push({ ...step, setup });
        }
      }
    }
    return steps;
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    await Promise.all(started.map((redis) => redis.close()));
  }
}
