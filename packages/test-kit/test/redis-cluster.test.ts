import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withRedis } from "../src/redis/commands.ts";
import { keySlot } from "../src/redis/key-slot.ts";
import { startRedisCluster, startSingleNodeCluster, type RedisCluster } from "../src/redis/redis-cluster.ts";

// Keys with and without hash tags, empty tags, tags not closed, and text past ASCII.
const sampleKeys = ["", "a", "foo", "user1000", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{", "}{", "x{y", "héllo✓", "chat:{room:lobby}:stream"];

/** Reads `key` through the master of its slot, the way a cluster client lands there. */
const getThroughOwner = async (cluster: RedisCluster, key: string) => withRedis((await cluster.masterOf(key)).url, (redis) => redis.get(key));

describe("a Redis Cluster of the test's own", () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it("comes up with three masters sharing every slot and a replica each", async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.seeds.split(",")).toHaveLength(6);
    const masters = new Set(await Promise.all([0, 5_000, 10_000, 16_383].map(async (slot) => (await cluster.masterOf(slot)).port)));
    expect(masters.size).toBe(3);
    for (const port of masters) {
      const master = cluster.nodes.find((node) => node.port === port);
      if (master === undefined) throw new Error(`no node on ${port}`);
      expect(await cluster.replicasOf(master)).toHaveLength(1);
    }
  });

  it("computes the slot of a key as CLUSTER KEYSLOT does", async () => {
    const node = cluster.nodes[0];
    if (node === undefined) throw new Error("no node");
    const answers = await withRedis(node.url, (redis) => Promise.all(sampleKeys.map((key) => redis.sendCommand(["CLUSTER", "KEYSLOT", key]))));
    expect(sampleKeys.map((key) => keySlot(key))).toEqual(answers);
    expect(keySlot("{user1000}.following")).toBe(keySlot("user1000"));
  });

  it("moves a slot and its keys to another master, which then serves them", async () => {
    const keys = Array.from({ length: 30 }, (_, index) => `{moving}:${index}`);
    const slot = cluster.slotOf("{moving}");
    const from = await cluster.masterOf(slot);
    await withRedis(from.url, async (redis) => {
      for (const key of keys) await redis.set(key, key);
    });
    const to = cluster.nodes.find((node) => node.id !== from.id && cluster.nodes.indexOf(node) < 3);
    if (to === undefined) throw new Error("no other master");
    let answersMidway: string[] = [];
    const move = await cluster.migrateSlot(slot, to, {
      batchSize: 7,
      // Midway the source still serves the keys it holds and sends clients on with ASK for the others.
      midway: async () => {
        answersMidway = await withRedis(from.url, (redis) =>
          Promise.all(keys.map((key) => redis.get(key).then(String, (error: unknown) => (error instanceof Error ? error.message : String(error))))),
        );
      },
    });
    expect(answersMidway.filter((answer) => /^ASK \d+ 127\.0\.0\.1:\d+$/.test(answer))).toHaveLength(7);
    expect(answersMidway.filter((answer) => keys.includes(answer))).toHaveLength(23);
    expect(move.keys).toBe(30);
    expect((await cluster.masterOf(slot)).id).toBe(to.id);
    await cluster.waitUntilHealthy();
    expect(await Promise.all(keys.map((key) => getThroughOwner(cluster, key)))).toEqual(keys);
    const moved = await withRedis(from.url, (redis) => redis.get(keys[1] ?? "").catch((error: unknown) => String(error)));
    expect(moved).toMatch(/MOVED \d+ 127\.0\.0\.1:\d+/);
  });

  it("promotes a replica when its master is killed, and the keys stay readable", async () => {
    const key = "{failing}:kept";
    const master = await cluster.masterOf(key);
    // WAIT: the replica holds the write before the master dies.
    await withRedis(master.url, async (redis) => {
      await redis.set(key, "yes");
      expect(await redis.sendCommand(["WAIT", "1", "5000"])).toBe(1);
    });
    const [replica] = await cluster.replicasOf(master);
    await cluster.kill(master);
    const promoted = await cluster.waitForFailover(master);
    expect(promoted.id).toBe(replica?.id);
    expect((await cluster.masterOf(key)).id).toBe(promoted.id);
    expect(await getThroughOwner(cluster, key)).toBe("yes");
    // The old master comes back as a replica of the new one.
    await cluster.start(master);
    expect((await cluster.replicasOf(promoted)).map((node) => node.id)).toEqual([master.id]);
    const stats = await cluster.commandStats(promoted);
    expect(stats.get("get")?.calls).toBeGreaterThan(0);
  });
});

describe("a single-node cluster", () => {
  it("serves every slot from one master", async () => {
    const cluster = await startSingleNodeCluster();
    try {
      const [node] = cluster.nodes;
      expect(cluster.nodes).toHaveLength(1);
      for (const slot of [0, 8_000, 16_383]) expect((await cluster.masterOf(slot)).id).toBe(node?.id);
      await withRedis(node?.url ?? "", async (redis) => {
        await redis.set("{a}1", "1");
        expect(await redis.get("{a}1")).toBe("1");
      });
    } finally {
      await cluster.close();
    }
  });
});
