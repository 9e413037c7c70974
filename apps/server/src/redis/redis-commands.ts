import type { RedisClientType, RedisClusterType } from "redis";

/** The commands the stores run, each on the node that holds its key (its first key). */
type KeyedCommand =
  | "append"
  | "del"
  | "evalSha"
  | "eval"
  | "exists"
  | "get"
  | "pExpire"
  | "sAdd"
  | "sMembers"
  | "sPublish"
  | "sRem"
  | "xRange"
  | "xRevRange"
  | "xTrim"
  | "zAdd"
  | "zRange"
  | "zRangeByScore"
  | "zRem"
  | "zScore";

/**
 * What the stores need of Redis: keyed commands and scripts, and whether the connection is
 * up. A client of one Redis and a Redis Cluster client both are one, so every store has one
 * code path for both; in a cluster each command goes to the master of its (first) key's slot.
 */
export type RedisCommands = Pick<RedisClientType, KeyedCommand> & {
  readonly isReady: boolean;
  /** "ready": the connection is back after an outage (in a cluster, a node's connection). */
  on(event: "ready", listener: () => void): unknown;
};

/** Compiles only while a Redis Cluster client has every command the stores use, as they use it. */
export const clusterRunsStoreCommands = (cluster: RedisClusterType): RedisCommands => cluster;
