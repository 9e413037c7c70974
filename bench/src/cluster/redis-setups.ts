import { startRedisCluster, startRedisServer } from "@chat/test-kit";
import { now, sleep } from "../clock.ts";
import { clusterMasters, masterOf, subscribersOf } from "./master-stats.ts";
import { namespaceChannel } from "./namespace-channel.ts";

/**
 * The Redis deployments the cluster scenarios run the project's server on, each started for
 * the scenario and gone after it: a Redis Cluster of three masters, each with one replica,
 * and a single redis-server started the same way, so that the two compare on equal terms.
 */

export const clusterShape = { masters: 3, replicasPerMaster: 1 } as const;

export interface StartedRedis {
  /** The server's Redis settings: `REDIS_CLUSTER_NODES` for a cluster, `REDIS_URL` otherwise. */
  env: Record<string, string | undefined>;
  /** A node to ask about the cluster (or the single server's URL). */
  seedUrl: string;
  close(): Promise<void>;
}

export async function startCluster(): Promise<StartedRedis> {
  const cluster = await startRedisCluster(clusterShape);
  const seeds = cluster.seeds.split(",").filter((seed) => seed !== "");
  return {
    env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seeds },
    seedUrl: seeds[0] ?? "",
    close: () => cluster.close(),
  };
}

export async function startSingle(): Promise<StartedRedis> {
  const server = await startRedisServer();
  return { env: { REDIS_URL: server.url }, seedUrl: server.url, close: () => server.dispose() };
}

/**
 * Resolves once every worker of a server started with `prefix` has subscribed to its
 * namespace channel on the cluster; fails after `timeoutMs`. A server build that does not
 * read `REDIS_CLUSTER_NODES` would run on some other Redis, and measure nothing of the cluster.
 */
export async function onCluster(redis: StartedRedis, prefix: string, workers: number, timeoutMs = 15_000): Promise<void> {
  const channel = namespaceChannel(prefix);
  const master = await masterOf(await clusterMasters(redis.seedUrl), channel);
  let subscribers = 0;
  for (const deadline = now() + timeoutMs; now() < deadline; await sleep(200)) {
    subscribers = await subscribersOf(master.url, channel);
    if (subscribers >= workers) return;
  }
  throw new Error(
    `the server is not on the cluster: ${subscribers} of its ${workers} workers subscribed to ${channel} on ${master.node} ` +
      "(does its build read REDIS_CLUSTER_NODES?)",
  );
}
