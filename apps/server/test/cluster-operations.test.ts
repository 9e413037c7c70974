import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsOnDifferentWorkers,
  connectClient,
  pollUntil,
  type RedisCluster,
  type RunningServer,
  startRedisCluster,
  startServer,
  type TestClient,
  uniquePrefix,
  waitFor,
  withRedis,
} from "@chat/test-kit";
import { roomLogKey } from "../src/messages/message-keys.ts";
import { httpGet, parseMetrics, settle } from "./support/ops.ts";

const received = "chat_redis_messages_received_total";
const publisherUp = 'chat_redis_up{role="publisher"}';
const subscriberUp = 'chat_redis_up{role="subscriber"}';

/**
 * Operating a server of two workers on a Redis Cluster of its own (three masters, a replica
 * each): its metrics while the cluster is whole, while a master is down and after the
 * failover, and a SIGTERM that drains it. The tests run in order; the last one stops the server.
 */
describe("metrics and drain on a Redis Cluster", () => {
  let cluster: RedisCluster;
  let server: RunningServer;
  const clients: TestClient[] = [];
  const room = "lobby";
  /** The ids of every line acknowledged as stored, by text. */
  const acknowledged = new Map<string, string>();

  const samples = async (): Promise<Map<string, number>> => {
    const answer = await httpGet(`${server.opsUrl}/metrics`, "GET", 5_000);
    expect(answer.status).toBe(200);
    return parseMetrics(answer.body);
  };
  /** `chat_redis_messages_received_total` by its `worker` label. */
  const receivedByWorker = (metrics: Map<string, number>): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const [sample, value] of metrics) {
      const worker = new RegExp(`^${received}\\{worker="(\\d+)"\\}$`).exec(sample)?.[1];
      if (worker !== undefined) counts.set(worker, value);
    }
    return counts;
  };
  /** Sends `text` to the room as `client`, until it is stored (a failover may refuse it for a while); returns its id. */
  const sendUntilStored = async (client: TestClient, text: string): Promise<string> => {
    let id: string | undefined;
    const stored = await pollUntil(
      async () => {
        const ack = await client.timeout(10_000).emitWithAck("message:send", { room, text, clientId: `client-${text.replaceAll(" ", "-")}` });
        if (ack.ok) id = ack.data.id;
        return ack.ok;
      },
      30_000,
      500,
    );
    expect(stored).toBe(true);
    acknowledged.set(text, id ?? "");
    return id ?? "";
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    server = await startServer({
      workers: 2,
      prefix: uniquePrefix(),
      startTimeoutMs: 90_000,
      env: {
        REDIS_URL: undefined,
        REDIS_CLUSTER_NODES: cluster.seeds,
        // A send waits for the replica for up to 5 s: the drain test holds one that long at most.
        REDIS_WAIT_TIMEOUT_MS: "5000",
        REDIS_TIMEOUT_MS: "8000",
        SHUTDOWN_TIMEOUT_MS: "15000",
      },
    });
    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
  }, 180_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop("SIGKILL");
    await cluster?.close();
  }, 60_000);

  it("/metrics: both Redis connections up, and each worker's pub/sub count grows with a line its member receives", async () => {
    const [a, b] = clients as [TestClient, TestClient];
    const before = await settle(samples, (metrics) => metrics.get(publisherUp) === 1 && metrics.get(subscriberUp) === 1);
    expect(before.get(publisherUp)).toBe(1);
    expect(before.get(subscriberUp)).toBe(1);
    const countsBefore = receivedByWorker(before);
    expect([...countsBefore.keys()].sort()).toEqual(["1", "2"]);

    const arrival = waitFor(b, "message:new");
    const id = await sendUntilStored(a, "counted");
    const [message] = await arrival;
    expect(message).toMatchObject({ id, room, from: "A", text: "counted" });

    // The line went through the room's channel to both workers, each with a member of the room.
    const grown = (metrics: Map<string, number>) =>
      [...countsBefore].every(([worker, count]) => (receivedByWorker(metrics).get(worker) ?? 0) > count);
    const after = await settle(samples, grown);
    for (const [worker, count] of countsBefore) expect(receivedByWorker(after).get(worker)).toBeGreaterThan(count);
  }, 60_000);

  it("chat_redis_up is 0 for both roles while the master of the room's slot is down, 1 again after the failover", async () => {
    const [a, b] = clients as [TestClient, TestClient];
    const master = await cluster.masterOf(roomLogKey(server.prefix, room));
    await cluster.kill(master);
    try {
      // The room's channel is in the same slot: the subscriber lost it with the master, until it is renewed on the promoted replica.
      const down = await settle(samples, (metrics) => metrics.get(publisherUp) === 0 && metrics.get(subscriberUp) === 0, 20_000);
      expect(down.get(publisherUp)).toBe(0);
      expect(down.get(subscriberUp)).toBe(0);
      await cluster.waitForFailover(master, 60_000);
      const back = await settle(samples, (metrics) => metrics.get(publisherUp) === 1 && metrics.get(subscriberUp) === 1, 30_000);
      expect(back.get(publisherUp)).toBe(1);
      expect(back.get(subscriberUp)).toBe(1);
    } finally {
      // Back as the promoted master's replica, so that sends are acknowledged by a replica again.
      await cluster.start(master);
    }
    // Still 1 with the old master back as a replica, and the room's lines flow again.
    expect((await samples()).get(publisherUp)).toBe(1);
    const arrival = waitFor(b, "message:new", 60_000);
    const id = await sendUntilStored(a, "after the failover");
    const [message] = await arrival;
    expect(message).toMatchObject({ id, text: "after the failover" });
  }, 120_000);

  it("SIGTERM: the send under way is answered, every client is told to reconnect, the process exits 0, and every acknowledged line is stored", async () => {
    const [a] = clients as [TestClient];
    const late = await connectClient(server.url, "C");
    clients.push(late);
    const disconnects = clients.map(
      (client) => new Promise<string>((resolve) => client.once("disconnect", (reason) => resolve(reason))),
    );
    await sendUntilStored(a, "before the drain");

    // The replica of the room's master hangs: the next send is stored, and waits for its acknowledgement.
    const master = await cluster.masterOf(roomLogKey(server.prefix, room));
    const [replica] = await cluster.replicasOf(master);
    if (replica === undefined) throw new Error("the room's master has no replica");
    const events: string[] = [];
    replica.server.hang();
    const underWay = a
      .timeout(10_000)
      .emitWithAck("message:send", { room, text: "under way", clientId: "client-under-way" })
      .then((ack) => {
        events.push("ack");
        return ack;
      });
    void (disconnects[0] as Promise<string>).then(() => events.push("disconnect"));
    try {
      // Once the send has reached Redis, the shutdown begins.
      await settle(
        () => withRedis(master.url, (redis) => redis.xLen(roomLogKey(server.prefix, room))),
        (length) => length === acknowledged.size + 1,
      );
      // Stored but not yet answered: the replica has not acknowledged it.
      expect(events).toEqual([]);
      server.child.kill("SIGTERM");
      await server.waitForLine(/SIGTERM received/);
    } finally {
      replica.server.resume();
    }
    const ack = await underWay;
    expect(ack).toMatchObject({ ok: true, data: { id: expect.stringMatching(/^\d+-\d+$/) } });
    if (ack.ok) acknowledged.set("under way", ack.data.id);

    expect(await Promise.all(disconnects)).toEqual(clients.map(() => "io server disconnect"));
    expect(events).toEqual(["ack", "disconnect"]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.lines.join("\n")).not.toMatch(/still running after/);

    // The room's log holds every acknowledged line, in order, under the id it was acknowledged with, and nothing else.
    const stored = await withRedis((await cluster.masterOf(roomLogKey(server.prefix, room))).url, (redis) =>
      redis.xRange(roomLogKey(server.prefix, room), "-", "+"),
    );
    expect(acknowledged.size).toBe(4);
    expect((stored ?? []).map((entry) => entry.id)).toEqual([...acknowledged.values()]);
  }, 60_000);
});
