import { createCluster, type RedisClusterType } from "redis";
import type { Log } from "../logging/log.ts";
import { nodeOptions, reconnectDelay, subscriptionGate, type ConnectOptions, type RedisClients } from "./clients.ts";
import { withDeadline } from "./request-guard.ts";
import { GatedSubscriptions } from "./subscriptions.ts";

/** How long start-up waits for the masters' connections before it goes on without them. */
const startCheckMs = 2000;

/** How often the subscriber, after losing a node, looks whether it can renew its subscriptions. */
const renewEveryMs = 500;

/**
 * A Redis Cluster client that follows the cluster (slot moves, failovers), reconnects to each
 * node forever, backing off as with one Redis, and reports each node's losses and returns once.
 * Node connections open lazily (`minimizeConnections`), so that a node down at start-up does
 * not stop the others from serving. A command to a master that is down fails at once rather
 * than waiting in node-redis's queue (the request guard answers it `unavailable`), and the
 * cluster's map is read again a second after a node starts failing, to find its replica
 * promoted.
 */
export function createRedisCluster(
  nodes: string[],
  role: string,
  log: Log,
  { onLost }: { onLost?: () => void } = {},
): RedisClusterType {
  const cluster: RedisClusterType = createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    defaults: {
      socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5000 },
      disableOfflineQueue: true,
      maintNotifications: nodeOptions.maintNotifications,
    },
    commandOptions: nodeOptions.commandOptions,
    minimizeConnections: true,
    topologyRefreshOnReconnectionAttemptStrategy: 1000,
  });
  const down = new Set<string>();
  const address = ({ host, port }: { host?: string; port?: number }) => `${host ?? "?"}:${port ?? "?"}`;
  cluster.on("node-error", (error: unknown, node: { host?: string; port?: number }) => {
    const at = address(node);
    if (down.has(at)) return;
    down.add(at);
    log.error(`redis ${role} connection to ${at} lost, reconnecting`, error);
    onLost?.();
  });
  cluster.on("node-ready", (node: { host?: string; port?: number }) => {
    const at = address(node);
    if (!down.delete(at)) return;
    log.info(`redis ${role} connection to ${at} restored`);
    // What the stores listen for to learn that Redis is back (see RedisCommands).
    cluster.emit("ready");
  });
  cluster.on("error", (error: unknown) => log.error(`redis ${role}: cluster error`, error));
  return cluster;
}

/** Every master of `cluster` answers, with the cluster's state ok; otherwise throws what is wrong. */
async function checkMasters(cluster: RedisClusterType): Promise<string> {
  if (cluster.masters.length === 0) throw new Error("no master known");
  await Promise.all(
    cluster.masters.map(async (master) => {
      const info = String(await (await cluster.nodeClient(master)).clusterInfo());
      const state = /cluster_state:(\w+)/.exec(info)?.[1];
      if (state !== "ok") throw new Error(`cluster_state:${state ?? "unknown"} at ${master.address}`);
    }),
  );
  return "PONG";
}

/**
 * The adapter's and the stores' connections to a Redis Cluster, `nodes` being some of its
 * nodes: commands through one cluster client, and the sharded subscriptions through a
 * second, which holds a connection to each master that has subscribed channels.
 *
 * The subscriber's gate closes when any of its connections is lost, and opens again once
 * every subscription could be renewed (a failed-over master's channels on its promoted
 * replica): node-redis moves them on its own, but only once it has read the cluster's map
 * again, and a channel's messages published meanwhile are lost, as with one Redis.
 */
export async function connectRedisCluster(nodes: string[], log: Log, { received = () => {} }: ConnectOptions = {}): Promise<RedisClients> {
  const pub = createRedisCluster(nodes, "publisher", log);
  let renewing: NodeJS.Timeout | undefined;
  const renewUntilBack = () => {
    clearTimeout(renewing);
    renewing = setTimeout(() => {
      void gate.back().then((open) => {
        if (!open) renewUntilBack();
      });
    }, renewEveryMs);
  };
  const subCluster = createRedisCluster(nodes, "subscriber", log, {
    onLost: () => {
      gate.lost();
      renewUntilBack();
    },
  });
  const subscriptions = new GatedSubscriptions(subCluster, { open: () => gate.open(), received, log });
  const gate = subscriptionGate(() => subscriptions.renew());
  await Promise.all([pub.connect(), subCluster.connect()]);
  // Opens the connection to each master now rather than at the first command, so that the
  // worker reports ready with them up; a master that does not answer in time (down at
  // start-up) is left to the readiness checks, which report it.
  await withDeadline(checkMasters(pub), startCheckMs).catch(() => undefined);
  return {
    pub,
    sub: subscriptions.client,
    health: {
      pub: {
        get isReady() {
          return pub.isReady && pub.masters.every((master) => master.client === undefined || master.client.isReady);
        },
        ping: () => checkMasters(pub),
      },
      sub: {
        get isReady() {
          return subCluster.isReady && gate.open();
        },
      },
    },
    waitOnKeyNode: async (key, replicas, timeoutMs) =>
      Number(await (await pub.getNodeClientForKey(key)).sendCommand(["WAIT", String(replicas), String(timeoutMs)])),
    onSubscriptionRestored: gate.onRestored,
    subscriptionsSettled: () => subscriptions.settled(),
    close: async () => {
      clearTimeout(renewing);
      await Promise.allSettled([pub.close(), subCluster.close()]);
    },
  };
}
