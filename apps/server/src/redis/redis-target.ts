/** Where the Redis of a scaled-out server is: one Redis (REDIS_URL), or a Redis Cluster found from some of its nodes (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { clusterNodes: string[] };

/** The target as the log names it. */
export const describeRedis = (target: RedisTarget): string =>
  "url" in target ? target.url : `the Redis Cluster of ${target.clusterNodes.join(",")}`;
