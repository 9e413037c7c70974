import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsOnDifferentWorkers,
  collect,
  pollUntil,
  type RedisCluster,
  type RunningServer,
  sleep,
  startRedisCluster,
  startServer,
  type TestClient,
  uniquePrefix,
  waitFor,
  withRedis,
} from "@chat/test-kit";
import { roomLogKey } from "../src/messages/message-keys.ts";
import { httpGet } from "./support/ops.ts";

/**
 * A server of two workers on a Redis Cluster of its own (three masters, a replica each),
 * reached through REDIS_CLUSTER_NODES: the chat works across workers, every send waits for a
 * replica (REDIS_WAIT_REPLICAS is 1 there by default), and readiness follows the masters.
 * The tests run in order, each leaving the cluster whole for the next.
 */
describe("REDIS_CLUSTER_NODES: a server on a Redis Cluster", () => {
  let cluster: RedisCluster;
  let server: RunningServer;
  const clients: TestClient[] = [];
  const room = "lobby";

  const readiness = async () => {
    const answer = await httpGet(`${server.opsUrl}/readyz`, "GET", 5_000).catch(() => undefined);
    return answer?.status;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    server = await startServer({
      workers: 2,
      prefix: uniquePrefix(),
      startTimeoutMs: 90_000,
      env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seeds, REDIS_WAIT_TIMEOUT_MS: "500" },
    });
  }, 180_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
    await cluster?.close();
  }, 60_000);

  it("starts, names the cluster, is ready, and relays a line from one worker to the other, stored in the room's slot", async () => {
    expect(server.lines.join("\n")).toContain(`Redis adapter at the Redis Cluster of ${cluster.seeds}`);
    // Each worker's report reaches the primary within a second of its start.
    expect(await pollUntil(async () => (await readiness()) === 200, 10_000, 200)).toBe(true);
    const ready = await httpGet(`${server.opsUrl}/readyz`);
    expect(JSON.parse(ready.body)).toMatchObject({ status: "ready", checks: { redis: { publisher: true, subscriber: true, ping: true } } });

    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
    const seenByA = collect(a, "message:new");
    const arrival = waitFor(b, "message:new");
    const ack = await a.timeout(10_000).emitWithAck("message:send", { room, text: "Hello", clientId: "client-hello" });
    expect(ack).toMatchObject({ ok: true, data: { id: expect.stringMatching(/^\d+-\d+$/) } });
    const [message] = await arrival;
    expect(message).toMatchObject({ room, from: "A", text: "Hello" });
    expect(ack.ok && ack.data.id).toBe(message.id);
    // On the master of the room's slot, and on its replica before the sender was told.
    const key = roomLogKey(server.prefix, room);
    const master = await cluster.masterOf(key);
    const [replica] = await cluster.replicasOf(master);
    expect(replica).toBeDefined();
    for (const node of [master, replica]) {
      const stored = await withRedis(node?.url ?? "", async (redis) => {
        if (node === replica) await redis.sendCommand(["READONLY"]);
        return redis.xLen(key);
      });
      expect(stored).toBe(1);
    }
    await sleep(200);
    expect(seenByA).toEqual([]);
  }, 60_000);

  it("a send that no replica acknowledges is answered unavailable, and its retry, once the replica is back, gets the id it was stored under", async () => {
    const [a] = clients as [TestClient];
    const master = await cluster.masterOf(roomLogKey(server.prefix, room));
    const replicas = await cluster.replicasOf(master);
    for (const replica of replicas) await cluster.stop(replica);
    try {
      const refused = await a.timeout(10_000).emitWithAck("message:send", { room, text: "kept?", clientId: "client-waited" });
      expect(refused).toMatchObject({ ok: false, error: { code: "unavailable" } });
    } finally {
      for (const replica of replicas) await cluster.start(replica);
    }
    // The replica catches up, and the retry finds the post stored when it was refused.
    let retried: unknown;
    expect(
      await pollUntil(async () => {
        retried = await a.timeout(10_000).emitWithAck("message:send", { room, text: "kept?", clientId: "client-waited" });
        return (retried as { ok: boolean }).ok;
      }, 30_000, 500),
    ).toBe(true);
    const page = await a.timeout(10_000).emitWithAck("history:fetch", { room, limit: 10 });
    expect(page).toMatchObject({ ok: true });
    const messages: { id: string; text: string }[] = page.ok ? page.data.messages : [];
    expect(messages.filter(({ text }) => text === "kept?")).toHaveLength(1);
    const stored = messages.find(({ text }) => text === "kept?");
    expect(retried).toMatchObject({ ok: true, data: { id: stored?.id } });
  }, 120_000);

  it("/readyz says 503 while a master is down, and 200 again once its replica has taken over; the room's members are told to catch up", async () => {
    const [a] = clients as [TestClient];
    const master = await cluster.masterOf(roomLogKey(server.prefix, room));
    // The room's channel shares its slot: its subscription is lost with the master, renewed on the promoted replica.
    const told = waitFor(a, "sync:required", 90_000);
    await cluster.kill(master);
    try {
      expect(await pollUntil(async () => (await readiness()) === 503, 20_000, 200)).toBe(true);
      const answer = await httpGet(`${server.opsUrl}/readyz`);
      expect(JSON.parse(answer.body)).toMatchObject({ status: "unavailable" });
      // A send to the room is refused as unavailable (to be retried), not as an internal error.
      const refused = await a.timeout(10_000).emitWithAck("message:send", { room, text: "during", clientId: "client-during" });
      expect(refused).toMatchObject({ ok: false, error: { code: "unavailable" } });
      await cluster.waitForFailover(master, 60_000);
      expect(await pollUntil(async () => (await readiness()) === 200, 30_000, 200)).toBe(true);
    } finally {
      // Back as the new master's replica, so that sends are acknowledged by a replica again.
      await cluster.start(master);
    }
    expect(await told).toEqual([{ reason: "subscription restored" }]);
    // And the room's traffic flows again between the workers, through the promoted master.
    const [, b] = clients as [TestClient, TestClient];
    const arrival = waitFor(b, "message:new", 60_000);
    expect(
      await pollUntil(async () => {
        const ack = await a.timeout(10_000).emitWithAck("message:send", { room, text: "after the failover", clientId: "client-after" });
        return ack.ok;
      }, 30_000, 500),
    ).toBe(true);
    const [message] = await arrival;
    expect(message).toMatchObject({ room, from: "A", text: "after the failover" });
  }, 180_000);
});
