import { createClient } from "redis";

/**
 * What one Redis node says about itself, read with plain commands (`INFO`, `SCAN`, `PUBSUB`,
 * `CLUSTER`) sent as they are, so that the readings do not depend on a client's helpers.
 */

type Reply = string | number | null | Reply[];

/** Runs `use` with a client connected to the node at `url` (no cluster routing: this node alone). */
export async function onNode<T>(url: string, use: (command: (args: string[]) => Promise<Reply>) => Promise<T>): Promise<T> {
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await use(async (args) => (await client.sendCommand(args)) as Reply);
  } finally {
    if (client.isOpen) await client.disconnect().catch(() => undefined);
  }
}

const text = (reply: Reply): string => (typeof reply === "string" ? reply : String(reply));

/** Commands this node has run since it started, by name (`INFO commandstats`), scripts' own calls included. */
export async function commandCalls(url: string): Promise<Record<string, number>> {
  const info = text(await onNode(url, (command) => command(["INFO", "commandstats"])));
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1] ?? ""] = Number(match[2]);
  return calls;
}

/** `after − before` for each command, leaving out those that did not move. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const moved = calls - (before[name] ?? 0);
    if (moved > 0) delta[name] = moved;
  }
  return delta;
}

export interface NodeHoldings {
  /** Keys under the prefix, and of them the streams (a room's or an inbox's history each). */
  keys: number;
  streams: number;
  /** Shard channels under the prefix with a subscriber on this node, and their subscriptions (`PUBSUB SHARDNUMSUB`). */
  shardChannels: number;
  subscriptions: number;
  /** Shard channel subscriptions of each connection subscribed here (`CLIENT LIST`'s `ssub`), most first: a worker's subscriber each. */
  subscriptionsByConnection: number[];
}

/** The keys and shard channels under `prefix` that this node holds. */
export function holdings(url: string, prefix: string): Promise<NodeHoldings> {
  return onNode(url, async (command) => {
    let keys = 0;
    let streams = 0;
    let cursor = "0";
    // Bounded: a SCAN over a node's keys ends when its cursor comes back to 0.
    for (let page = 0; page < 100_000; page++) {
      const [next, found] = (await command(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
      keys += found.length;
      cursor = next;
      if (cursor === "0") break;
    }
    cursor = "0";
    for (let page = 0; page < 100_000; page++) {
      const [next, found] = (await command(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000", "TYPE", "stream"])) as [string, string[]];
      streams += found.length;
      cursor = next;
      if (cursor === "0") break;
    }
    const channels = (await command(["PUBSUB", "SHARDCHANNELS", `${escapeGlob(prefix)}*`])) as string[];
    let subscriptions = 0;
    for (let i = 0; i < channels.length; i += 100) {
      const counts = (await command(["PUBSUB", "SHARDNUMSUB", ...channels.slice(i, i + 100)])) as Reply[];
      for (let j = 1; j < counts.length; j += 2) subscriptions += Number(counts[j]);
    }
    const clients = text(await command(["CLIENT", "LIST"]));
    const subscriptionsByConnection = [...clients.matchAll(/\bssub=(\d+)/g)]
      .map((match) => Number(match[1]))
      .filter((count) => count > 0)
      .sort((a, b) => b - a);
    return { keys, streams, shardChannels: channels.length, subscriptions, subscriptionsByConnection };
  });
}

/** `PUBSUB SHARDNUMSUB` of one channel on the node that holds it. */
export async function subscribersOf(url: string, channel: string): Promise<number> {
  const counts = (await onNode(url, (command) => command(["PUBSUB", "SHARDNUMSUB", channel]))) as Reply[];
  return Number(counts[1] ?? 0);
}

const escapeGlob = (value: string) => value.replace(/[*?[\]\\]/g, (character) => `\\${character}`);

/** A master of the cluster and the hash slots it serves. */
export interface MasterNode {
  /** `host:port`. */
  node: string;
  url: string;
  slots: [number, number][];
}

/** The cluster's masters and their slots, as `CLUSTER SLOTS` on `seed` tells them, in slot order. */
export async function clusterMasters(seed: string): Promise<MasterNode[]> {
  const ranges = (await onNode(seed, (command) => command(["CLUSTER", "SLOTS"]))) as [number, number, [string, number, ...Reply[]], ...Reply[]][];
  const byNode = new Map<string, MasterNode>();
  for (const [from, to, [host, port]] of ranges) {
    const node = `${host}:${port}`;
    const master = byNode.get(node) ?? { node, url: `redis://${host}:${port}`, slots: [] };
    master.slots.push([Number(from), Number(to)]);
    byNode.set(node, master);
  }
  const first = (master: MasterNode) => Math.min(...master.slots.map(([from]) => from));
  return [...byNode.values()].sort((a, b) => first(a) - first(b));
}

/** The master that serves `name`'s hash slot (a key's or a shard channel's). */
export async function masterOf(masters: readonly MasterNode[], name: string): Promise<MasterNode> {
  const seed = masters[0];
  if (seed === undefined) throw new Error("no masters");
  const slot = Number(await onNode(seed.url, (command) => command(["CLUSTER", "KEYSLOT", name])));
  const master = masters.find((candidate) => candidate.slots.some(([from, to]) => slot >= from && slot <= to));
  if (master === undefined) throw new Error(`no master serves slot ${slot}`);
  return master;
}
