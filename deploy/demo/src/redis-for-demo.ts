import { spawnSync } from "node:child_process";
import { fromSource, serverMain, startRedisCluster, startRedisServer } from "@chat/test-kit";

/** The Redis the demo's instances share, and the settings that point an instance at it. */
export interface DemoRedis {
  /** In words, for the summary. */
  readonly description: string;
  /** REDIS_CLUSTER_NODES, or REDIS_URL where the server does not speak to a cluster. */
  readonly env: Record<string, string>;
  readonly ports: readonly number[];
  close(): Promise<void>;
}

/** Whether this server takes REDIS_CLUSTER_NODES: its usage text names every setting. */
export function serverSpeaksCluster(): boolean {
  const usage = spawnSync(process.execPath, [...fromSource(serverMain), "--help"], { encoding: "utf8", timeout: 60_000 });
  return `${usage.stdout}${usage.stderr}`.includes("REDIS_CLUSTER_NODES");
}

/**
 * A Redis Cluster of 3 masters with a replica each when the server can use one; otherwise
 * one redis-server, and the summary says so.
 */
export async function startDemoRedis(): Promise<DemoRedis> {
  if (serverSpeaksCluster()) {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    return {
      description: "a Redis Cluster of 3 masters and 3 replicas",
      env: { REDIS_CLUSTER_NODES: cluster.seeds },
      ports: cluster.nodes.map((node) => node.port),
      close: () => cluster.close(),
    };
  }
  const single = await startRedisServer();
  return {
    description: "one Redis server (this server has no REDIS_CLUSTER_NODES setting, so no Redis Cluster)",
    env: { REDIS_URL: single.url },
    ports: [single.port],
    close: () => single.dispose(),
  };
}
