import { sleep } from "../time.ts";
import { withRedis } from "./commands.ts";
import { clusterInfoOf, clusterNodesOf, parseInfo, serves, textReply, type NodeEntry } from "./cluster-view.ts";
import { keySlot, slotCount } from "./key-slot.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";
import { moveSlot, type SlotMove, type SlotMoveOptions } from "./slot-move.ts";

export interface RedisClusterOptions {
  /** How many masters share the 16384 slots, in equal ranges. Default 3; 1 gives a single-node cluster. */
  masters?: number;
  /** How many replicas follow each master. Default 1: one to promote when its master dies. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`. Default 2000 ms: a failover within a few seconds, while a node
   * that a busy machine leaves unscheduled for a second is not failed over.
   */
  nodeTimeoutMs?: number;
}

/** One redis-server of the cluster. */
export interface ClusterNode {
  /** Its cluster node id (`CLUSTER MYID`), which it keeps across restarts. */
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly server: RedisServer;
}

/** What `INFO commandstats` counts for one command. */
export interface CommandStat {
  calls: number;
  failedCalls: number;
  rejectedCalls: number;
}

/** A Redis Cluster of the test's own: its nodes, and the faults a test brings on it. */
export interface RedisCluster {
  /** Masters first, in slot order, then replicas; roles change with failovers. */
  readonly nodes: readonly ClusterNode[];
  /** Every node's URL, comma-separated: a server's `REDIS_CLUSTER_NODES`. */
  readonly seeds: string;
  /** The hash slot of a key (hash tags honoured), computed here as `CLUSTER KEYSLOT` would answer. */
  slotOf(key: string): number;
  /** The node serving a slot (or a key's slot) now, as a running node sees it. */
  masterOf(slotOrKey: number | string): Promise<ClusterNode>;
  /** The replicas following `master` now. */
  replicasOf(master: ClusterNode): Promise<ClusterNode[]>;
  /** SIGKILL, as in a crash: the node's replicas wait out the node timeout, then one takes over. */
  kill(node: ClusterNode): Promise<void>;
  /** `SHUTDOWN`: the node leaves cleanly, which does not by itself fail it over. */
  stop(node: ClusterNode): Promise<void>;
  /** Starts a stopped or killed node again and resolves once the cluster is whole (a former master comes back as a replica). */
  start(node: ClusterNode): Promise<void>;
  /**
   * Resolves with the replica that took over the slots of `oldMaster` (killed or stopped
   * through this cluster) once every running node sees it as their master and says
   * `cluster_state:ok`.
   */
  waitForFailover(oldMaster: ClusterNode, timeoutMs?: number): Promise<ClusterNode>;
  /** Moves a slot and its keys to another master, as `redis-cli --cluster reshard` does. */
  migrateSlot(slot: number, to: ClusterNode, options?: SlotMoveOptions): Promise<SlotMove>;
  /** What a node has executed since it started, by lower-case command name (`xadd`, `cluster|slots`). */
  commandStats(node: ClusterNode): Promise<Map<string, CommandStat>>;
  /** Resolves once every running node says `cluster_state:ok`, agrees on who serves which slot, and every replica's link is up. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every node and removes their directories. */
  close(): Promise<void>;
}

const setupTimeoutMs = 30_000;

/** Equal ranges of the slots, one a master. */
const slotRanges = (masters: number): Array<readonly [number, number]> =>
  Array.from({ length: masters }, (_, index) => [Math.floor((index * slotCount) / masters), Math.floor(((index + 1) * slotCount) / masters) - 1] as const);

/**
 * Starts `masters × (1 + replicasPerMaster)` redis-servers on free loopback ports, each with a
 * directory of its own, and joins them into one cluster: slots split evenly over the masters,
 * each replica following its master. Resolves once the cluster is healthy.
 */
export async function startRedisCluster({ masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 2_000 }: RedisClusterOptions = {}): Promise<RedisCluster> {
  if (masters < 1 || replicasPerMaster < 0) throw new Error(`no cluster of ${masters} masters with ${replicasPerMaster} replicas each`);
  const started = await Promise.allSettled(
    Array.from({ length: masters * (1 + replicasPerMaster) }, () => startRedisServer({ cluster: { nodeTimeoutMs } })),
  );
  const servers = started.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(servers.map((server) => server.dispose()));
    throw failed.reason;
  }
  try {
    const nodes = await joinCluster(servers, masters);
    const cluster = clusterOf(nodes);
    await cluster.waitUntilHealthy(setupTimeoutMs);
    return cluster;
  } catch (error) {
    await Promise.all(servers.map((server) => server.dispose()));
    throw error;
  }
}

/** A cluster of one master serving every slot, with no replica: for code that must speak the cluster protocol, not survive failures. */
export const startSingleNodeCluster = (nodeTimeoutMs?: number): Promise<RedisCluster> =>
  startRedisCluster({ masters: 1, replicasPerMaster: 0, nodeTimeoutMs });

async function joinCluster(servers: RedisServer[], masters: number): Promise<ClusterNode[]> {
  const nodes = await Promise.all(
    servers.map(async (server, index) => {
      const id = await withRedis(server.url, async (redis) => {
        // Distinct epochs from the start, so that no two masters claim slots with the same epoch.
        await redis.sendCommand(["CLUSTER", "SET-CONFIG-EPOCH", String(index + 1)]);
        return textReply(redis, ["CLUSTER", "MYID"]);
      });
      return { id, port: server.port, url: server.url, server };
    }),
  );
  const ranges = slotRanges(masters);
  await Promise.all(
    ranges.map(([first, last], index) =>
      withRedis(nodes[index]?.url ?? "", (redis) => redis.sendCommand(["CLUSTER", "ADDSLOTSRANGE", String(first), String(last)])),
    ),
  );
  const [first, ...others] = nodes;
  if (first === undefined) throw new Error("a cluster of no node");
  await withRedis(first.url, async (redis) => {
    for (const other of others) await redis.sendCommand(["CLUSTER", "MEET", "127.0.0.1", String(other.port), String(other.server.busPort)]);
  });
  await pollOrThrow("every node to know every other", setupTimeoutMs, async () => {
    for (const node of nodes) {
      const known = await withRedis(node.url, clusterNodesOf);
      const joined = known.filter((entry) => !entry.flags.has("handshake") && !entry.flags.has("noaddr"));
      if (joined.length < nodes.length) return `node ${node.port} knows ${joined.length} of ${nodes.length} nodes`;
    }
    return undefined;
  });
  await Promise.all(
    nodes.slice(masters).map((replica, index) =>
      withRedis(replica.url, (redis) => redis.sendCommand(["CLUSTER", "REPLICATE", nodes[index % masters]?.id ?? ""])),
    ),
  );
  return nodes;
}

function clusterOf(nodes: ClusterNode[]): RedisCluster {
  // The replicas of each master killed or stopped through the kit: the candidates for its slots.
  const replicasWhenDown = new Map<string, ClusterNode[]>();
  const byId = (id: string): ClusterNode | undefined => nodes.find((node) => node.id === id);
  const running = () => nodes.filter((node) => node.server.running);

  /** The cluster as the first running node that answers sees it. */
  const view = async (): Promise<NodeEntry[]> => {
    let lastError: unknown = new Error("no node of the cluster runs");
    for (const node of running()) {
      try {
        return await withRedis(node.url, clusterNodesOf);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };

  const masterOf = async (slotOrKey: number | string): Promise<ClusterNode> => {
    const slot = typeof slotOrKey === "number" ? slotOrKey : keySlot(slotOrKey);
    const entry = (await view()).find((candidate) => candidate.flags.has("master") && !candidate.flags.has("fail") && serves(candidate, slot));
    const node = entry === undefined ? undefined : byId(entry.id);
    if (node === undefined) throw new Error(`no master serves slot ${slot}`);
    return node;
  };

  const replicasOf = async (master: ClusterNode): Promise<ClusterNode[]> =>
    (await view()).filter((entry) => entry.masterId === master.id).flatMap((entry) => byId(entry.id) ?? []);

  const noteReplicas = async (node: ClusterNode) => {
    const replicas = await replicasOf(node).catch(() => []);
    if (replicas.length > 0) replicasWhenDown.set(node.id, replicas);
  };

  /** Why the cluster is not healthy yet, or undefined once it is. */
  const unhealthy = async (): Promise<string | undefined> => {
    let agreed: string | undefined;
    let agreedReplicas: string | undefined;
    for (const node of running()) {
      const seen = await withRedis(node.url, async (redis) => ({
        info: await clusterInfoOf(redis),
        entries: await clusterNodesOf(redis),
        replication: parseInfo(await textReply(redis, ["INFO", "replication"])),
      })).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (typeof seen === "string") return `node ${node.port} does not answer: ${seen}`;
      const state = seen.info.get("cluster_state");
      if (state !== "ok") return `node ${node.port} says cluster_state:${state ?? "?"}`;
      const owners = seen.entries
        .filter((entry) => entry.flags.has("master") && entry.slots.length > 0)
        .map((entry) => `${entry.id}:${entry.slots.map((range) => range.join("-")).join(",")}`)
        .sort()
        .join(" ");
      if (agreed !== undefined && owners !== agreed) return `node ${node.port} sees other slot owners`;
      agreed = owners;
      // Who follows whom, as every node must see it before a test kills a master: the replicas
      // it counts on to take over are read from the cluster's view.
      const replicas = seen.entries
        .filter((entry) => entry.flags.has("slave") && !entry.flags.has("fail"))
        .map((entry) => `${entry.id}>${entry.masterId ?? "?"}`)
        .sort()
        .join(" ");
      if (agreedReplicas !== undefined && replicas !== agreedReplicas) return `node ${node.port} sees other replicas`;
      agreedReplicas = replicas;
      if (seen.replication.get("role") === "slave" && seen.replication.get("master_link_status") !== "up") {
        return `replica ${node.port}'s link to its master is ${seen.replication.get("master_link_status") ?? "?"}`;
      }
    }
    return agreed === undefined ? "no node of the cluster runs" : undefined;
  };

  const waitUntilHealthy = (timeoutMs = setupTimeoutMs) => pollOrThrow("a healthy cluster", timeoutMs, unhealthy);

  return {
    nodes,
    seeds: nodes.map((node) => node.url).join(","),
    slotOf: keySlot,
    masterOf,
    replicasOf,
    kill: async (node) => {
      await noteReplicas(node);
      await node.server.kill();
    },
    stop: async (node) => {
      await noteReplicas(node);
      await node.server.shutdown();
    },
    start: async (node) => {
      await node.server.start();
      await waitUntilHealthy();
    },
    waitForFailover: async (oldMaster, timeoutMs = setupTimeoutMs) => {
      const candidates = replicasWhenDown.get(oldMaster.id) ?? (await replicasOf(oldMaster));
      if (candidates.length === 0) throw new Error(`node ${oldMaster.port} has no replica to take over`);
      let promoted: ClusterNode | undefined;
      await pollOrThrow(`a replica of ${oldMaster.port} to take over`, timeoutMs, async () => {
        promoted = undefined;
        for (const node of running()) {
          const seen = await withRedis(node.url, async (redis) => ({ info: await clusterInfoOf(redis), entries: await clusterNodesOf(redis) })).catch(
            () => undefined,
          );
          if (seen === undefined) return `node ${node.port} does not answer`;
          if (seen.info.get("cluster_state") !== "ok") return `node ${node.port} says cluster_state:${seen.info.get("cluster_state") ?? "?"}`;
          if (seen.entries.some((entry) => entry.id === oldMaster.id && entry.slots.length > 0)) return `node ${node.port} still sees ${oldMaster.port} serve slots`;
          const taker = seen.entries.find(
            (entry) => entry.flags.has("master") && entry.slots.length > 0 && candidates.some((candidate) => candidate.id === entry.id),
          );
          if (taker === undefined) return `node ${node.port} sees no replica of ${oldMaster.port} as master`;
          if (promoted !== undefined && promoted.id !== taker.id) return "the nodes disagree on who took over";
          promoted = byId(taker.id);
        }
        return promoted === undefined ? "no node runs" : undefined;
      });
      if (promoted === undefined) throw new Error("no replica took over");
      return promoted;
    },
    migrateSlot: async (slot, to, options) => {
      const from = await masterOf(slot);
      const masters = (await view()).filter((entry) => entry.flags.has("master") && !entry.flags.has("fail")).flatMap((entry) => byId(entry.id) ?? []);
      return moveSlot({ slot, from, to, masters: masters.filter((master) => master.server.running), ...options });
    },
    commandStats: (node) =>
      withRedis(node.url, async (redis) => {
        const stats = new Map<string, CommandStat>();
        for (const [field, value] of parseInfo(await textReply(redis, ["INFO", "commandstats"]))) {
          if (!field.startsWith("cmdstat_")) continue;
          const counts = parseInfo(value.replaceAll(",", "\n").replaceAll("=", ":"));
          stats.set(field.slice("cmdstat_".length), {
            calls: Number(counts.get("calls") ?? 0),
            failedCalls: Number(counts.get("failed_calls") ?? 0),
            rejectedCalls: Number(counts.get("rejected_calls") ?? 0),
          });
        }
        return stats;
      }),
    waitUntilHealthy,
    close: async () => {
      await Promise.all(nodes.map((node) => node.server.dispose()));
    },
  };
}

/** Polls `why` (a reason to wait, or undefined when done) until done; throws with the last reason after `timeoutMs`. */
async function pollOrThrow(what: string, timeoutMs: number, why: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = await why();
    if (reason === undefined) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${reason}`);
    await sleep(100);
  }
}
