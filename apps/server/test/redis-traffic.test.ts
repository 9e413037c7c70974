import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, type TestClient } from "@chat/test-kit";
import { httpGet, parseMetrics } from "./support/ops.ts";
import { ok, say } from "./support/requests.ts";
import { startTopology, unique, type Place, type Topology } from "./support/topology.ts";
import { inbox, type Inbox } from "./support/wire.ts";

const metric = "chat_redis_messages_received_total";

/**
 * What each worker receives from Redis: only the traffic of the rooms it has members in.
 * Instance one has workers 1 and 2, instance two one worker; they share Redis and a prefix.
 */
describe("what each worker receives from Redis", () => {
  let topology: Topology;
  // A and C on one:1, D on one:2, B on two:1. Room X: A and C. Room Y: A and B.
  let a: TestClient;
  let b: TestClient;
  let c: TestClient;
  let d: TestClient;
  const inboxes = new Map<TestClient, Inbox>();
  const roomX = unique("x");
  const roomY = unique("y");

  beforeAll(async () => {
    topology = await startTopology();
    a = await topology.connect("A", "one:1");
    c = await topology.connect("C", "one:1");
    d = await topology.connect("D", "one:2");
    b = await topology.connect("B", "two:1");
    for (const client of [a, b, c, d]) inboxes.set(client, inbox(client));
    await ok(a, "room:join", { room: roomX });
    await ok(c, "room:join", { room: roomX });
    await ok(a, "room:join", { room: roomY });
    await ok(b, "room:join", { room: roomY });
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  const inboxOf = (client: TestClient): Inbox => {
    const found = inboxes.get(client);
    if (found === undefined) throw new Error("no inbox");
    return found;
  };

  /** The counter's samples on `server`'s /metrics, by their `worker` label. */
  const countsOn = async (server: RunningServer): Promise<Map<string, number>> => {
    const answer = await httpGet(`${server.opsUrl}/metrics`);
    expect(answer.status).toBe(200);
    const counts = new Map<string, number>();
    for (const [sample, value] of parseMetrics(answer.body)) {
      const worker = new RegExp(`^${metric}\\{worker="(\\d+)"\\}$`).exec(sample)?.[1];
      if (worker !== undefined) counts.set(worker, value);
    }
    return counts;
  };

  /** The counter of every worker of the topology. */
  const counts = async (): Promise<Record<Place, number>> => {
    const [one, two] = await Promise.all([countsOn(topology.one), countsOn(topology.two)]);
    return { "one:1": one.get("1") ?? Number.NaN, "one:2": one.get("2") ?? Number.NaN, "two:1": two.get("1") ?? Number.NaN };
  };

  /**
   * A lobby line, once every other client has it: the lobby has members on every worker, so
   * each worker has by then received all that was published before it.
   */
  const fence = async (text: string) => {
    await say(d, "lobby", text);
    await Promise.all([a, b, c].map((client) => inboxOf(client).waitForText(text)));
  };

  it("the counter has one series a worker on /metrics, each cluster worker's its own", async () => {
    const one = await countsOn(topology.one);
    const two = await countsOn(topology.two);
    expect([...one.keys()].sort()).toEqual(["1", "2"]);
    expect([...two.keys()]).toEqual(["1"]);
    // Every worker has received something already: at least the lobby's traffic of the clients' arrival.
    for (const value of [...one.values(), ...two.values()]) expect(value).toBeGreaterThan(0);
  });

  it("a room with members on one worker only reaches that worker, and all of its members there", async () => {
    await fence(unique("before"));
    const before = await counts();

    const lines = [unique("x one"), unique("x two"), unique("x three")];
    for (const line of lines) await say(c, roomX, line);
    for (const line of lines) await inboxOf(a).waitForText(line);
    await fence(unique("after"));
    const after = await counts();

    // The fence (one lobby line) reached every worker; room X's lines reached one:1 alone.
    expect(after["one:2"] - before["one:2"]).toBe(1);
    expect(after["two:1"] - before["two:1"]).toBe(1);
    expect(after["one:1"] - before["one:1"]).toBeGreaterThan(1);
    expect(inboxOf(a).messages.filter((message) => message.room === roomX).map(({ text }) => text)).toEqual(lines);
    for (const client of [b, c, d]) expect(inboxOf(client).messages.filter((message) => message.room === roomX)).toEqual([]);
  });

  it("a room with members on two instances reaches both, and no other worker", async () => {
    await fence(unique("before"));
    const before = await counts();

    const line = unique("y from two");
    await say(b, roomY, line);
    expect(await inboxOf(a).waitForText(line)).toMatchObject({ room: roomY, from: "B" });
    await fence(unique("after"));
    const after = await counts();

    // One line in Y and the fence: both on one:1 and two:1 (B's own worker delivers it to no one
    // but receives it all the same), the fence only on one:2.
    expect(after["one:1"] - before["one:1"]).toBe(2);
    expect(after["two:1"] - before["two:1"]).toBe(2);
    expect(after["one:2"] - before["one:2"]).toBe(1);
    for (const client of [b, c, d]) expect(inboxOf(client).texts()).not.toContain(line);
  });
});
