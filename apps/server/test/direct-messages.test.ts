import type { DirectMessage } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, tell } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";

/**
 * Direct messages across workers and instances. A has three sessions (A1 on instance one
 * worker 1, A3 on one worker 2, A2 on instance two); B has two (B1 on one:2, B2 on two:1);
 * C, a bystander, has two (one:1 and two:1).
 */
describe("direct messages across two workers and two instances", () => {
  let topology: Topology;
  let a1: TestClient;
  let a2: TestClient;
  let a3: TestClient;
  let b1: TestClient;
  let b2: TestClient;
  let c1: TestClient;
  let c2: TestClient;
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => {
    const recorder = recorders.get(client);
    if (recorder === undefined) throw new Error("no recorder");
    return recorder;
  };
  const dms = (client: TestClient): DirectMessage[] => rec(client).of("dm:new");
  const watch = (client: TestClient): TestClient => {
    recorders.set(client, record(client));
    return client;
  };

  beforeAll(async () => {
    topology = await startTopology();
    a1 = watch(await topology.connect("A", "one:1"));
    a3 = watch(await topology.connect("A", "one:2"));
    a2 = watch(await topology.connect("A", "two:1"));
    b1 = watch(await topology.connect("B", "one:2"));
    b2 = watch(await topology.connect("B", "two:1"));
    c1 = watch(await topology.connect("C", "one:1"));
    c2 = watch(await topology.connect("C", "two:1"));
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  /** A direct message from `from` to `to`, awaited at `receivers`: anything sent earlier to them has arrived by then. */
  const barrier = async (from: TestClient, to: string, receivers: TestClient[]) => {
    const text = unique("barrier");
    await tell(from, to, text);
    await Promise.all(receivers.map((client) => rec(client).next("dm:new", (m) => m.text === text)));
    return text;
  };

  it("dm:send from A1 reaches both sessions of B (other worker, other instance) and A's other sessions, not A1 itself nor C", async () => {
    const text = unique("hello B");
    const sent = await ok(a1, "dm:send", { to: "B", text });
    const atB1 = await rec(b1).next("dm:new", (m) => m.text === text);
    const atB2 = await rec(b2).next("dm:new", (m) => m.text === text);
    expect(atB1.data).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), from: "A", to: "B", text, sentAt: sent.sentAt });
    expect(atB2.data).toEqual(atB1.data);
    // The sender's other sessions see the line under the id of A's own inbox.
    for (const session of [a2, a3]) {
      expect((await rec(session).next("dm:new", (m) => m.text === text)).data).toEqual({ id: sent.id, from: "A", to: "B", text, sentAt: sent.sentAt });
    }
    // Anything A1 or C got would arrive before these.
    const back = await barrier(b1, "A", [a1, a2, a3, b2]);
    const toC = await barrier(b2, "C", [c1, c2, b1]);
    expect(dms(a1).map((m) => m.text)).toEqual([back]);
    expect(dms(c1).map((m) => m.text)).toEqual([toC]);
    expect(dms(c2).map((m) => m.text)).toEqual([toC]);
    expect(dms(b1).map((m) => m.text)).toEqual([text, toC]);
    expect(dms(b2).map((m) => m.text)).toEqual([text, back]);
    expect(dms(a2).map((m) => m.text)).toEqual([text, back]);
    expect(dms(a3).map((m) => m.text)).toEqual([text, back]);
    // Each inbox holds the message once, under the id its own sessions saw.
    const inboxB = await ok(b1, "dm:fetch", {});
    expect(inboxB.messages.filter((m) => m.text === text)).toEqual([atB1.data]);
    const inboxA = await ok(a2, "dm:fetch", {});
    expect(inboxA.messages.filter((m) => m.text === text).map((m) => m.id)).toEqual([sent.id]);
  });

  it("dm:send from instance two (B2) reaches all three sessions of A and B1, not B2", async () => {
    const text = unique("hello A");
    const sent = await ok(b2, "dm:send", { to: "A", text });
    const expected = { from: "B", to: "A", text, sentAt: sent.sentAt };
    for (const session of [a1, a2, a3]) {
      expect((await rec(session).next("dm:new", (m) => m.text === text)).data).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), ...expected });
    }
    expect((await rec(b1).next("dm:new", (m) => m.text === text)).data).toEqual({ id: sent.id, ...expected });
    await barrier(a1, "B", [b1, b2]);
    expect(dms(b2).filter((m) => m.text === text)).toEqual([]);
    for (const session of [a1, a2, a3, b1]) expect(dms(session).filter((m) => m.text === text)).toHaveLength(1);
  });

  it("dm:send to a user who never connected: not_found, nothing delivered", async () => {
    expect(await refused(a1, "dm:send", { to: "Nobody", text: "anyone there?" })).toEqual({
      code: "not_found",
      message: "user Nobody is not online",
    });
    expect(await refused(b2, "dm:send", { to: "Nobody", text: "anyone there?", clientId: unique("cid") })).toEqual({
      code: "not_found",
      message: "user Nobody is not online",
    });
    const back = await barrier(c1, "A", [a1, a2, a3]);
    for (const session of [a2, a3]) expect(dms(session).map((m) => m.text).slice(-1)).toEqual([back]);
    expect(dms(a2).some((m) => m.text === "anyone there?")).toBe(false);
  });

  it("dm:send to a user whose last session has gone: not_found, from the same worker and from the other instance", async () => {
    // O shares G's worker: once O has G's presence:left, G's departure is on record there.
    const observer = watch(await topology.connect("O", "one:2"));
    const gone = await topology.connect("G", "one:2");
    await ok(observer, "dm:send", { to: "G", text: "still here?" });
    gone.close();
    await rec(observer).next("presence:left", (change) => change.room === "lobby" && change.user === "G");
    expect(await refused(observer, "dm:send", { to: "G", text: "gone?" })).toEqual({ code: "not_found", message: "user G is not online" });
    expect(await refused(a2, "dm:send", { to: "G", text: "gone?" })).toEqual({ code: "not_found", message: "user G is not online" });
  });

  it("dm:fetch with `after` returns exactly the direct messages a user missed, oldest first, under the ids its sessions saw", async () => {
    // H has a session on each instance; H1 goes away, H2 keeps H online and sees what H1 misses.
    const h1 = watch(await topology.connect("H", "one:1"));
    const h2 = watch(await topology.connect("H", "two:1"));
    const first = unique("h0");
    const firstAtA = await tell(a1, "H", first);
    const seenFirst = (await rec(h1).next("dm:new", (m) => m.text === first)).data;
    h1.close();
    const senders: [TestClient, string][] = [
      [a1, "A"],
      [a2, "A"],
      [a3, "A"],
      [b1, "B"],
    ];
    const missed: DirectMessage[] = [];
    const idsAtA: string[] = [];
    for (const [i, [from, name]] of senders.entries()) {
      const text = unique(`missed ${i + 1}`);
      const sent = await ok(from, "dm:send", { to: "H", text });
      if (name === "A") idsAtA.push(sent.id);
      const seen = (await rec(h2).next("dm:new", (m) => m.text === text)).data;
      expect(seen).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), from: name, to: "H", text, sentAt: sent.sentAt });
      missed.push(seen);
    }
    // H comes back on the other worker of instance one and catches up from the last id it saw.
    const h3 = await topology.connect("H", "one:2");
    expect(await ok(h3, "dm:fetch", { after: seenFirst.id })).toEqual({ messages: missed, more: false });
    expect(await ok(h3, "dm:fetch", { after: seenFirst.id, limit: 2 })).toEqual({ messages: missed.slice(0, 2), more: true });
    expect(await ok(h3, "dm:fetch", { after: missed[1]?.id ?? "", limit: 2 })).toEqual({ messages: missed.slice(2), more: false });
    expect(await ok(h3, "dm:fetch", { after: missed[3]?.id ?? "" })).toEqual({ messages: [], more: false });
    // Paging back: the latest, and before an id.
    expect(await ok(h3, "dm:fetch", {})).toEqual({ messages: [seenFirst, ...missed], more: false });
    expect(await ok(h2, "dm:fetch", { before: missed[2]?.id ?? "" })).toEqual({ messages: [seenFirst, ...missed.slice(0, 2)], more: false });
    expect(await ok(h2, "dm:fetch", { before: missed[2]?.id ?? "", limit: 1 })).toEqual({ messages: [missed[1]], more: true });
    // The sender's inbox holds what A sent, under the ids A's acks carried (B's line is not A's).
    const atA = await ok(a3, "dm:fetch", { after: firstAtA });
    expect(atA.messages.map((m) => m.id)).toEqual(idsAtA);
    expect(atA.messages.map((m) => m.text)).toEqual(missed.filter((m) => m.from === "A").map((m) => m.text));
    // Another user's inbox does not hold them.
    expect((await ok(c2, "dm:fetch", {})).messages.filter((m) => m.to === "H")).toEqual([]);
  });

  it("dm:fetch with both `after` and `before`: invalid_payload", async () => {
    const error = await refused(a1, "dm:fetch", { after: "1-0", before: "2-0" });
    expect(error.code).toBe("invalid_payload");
  });

  it("no client received anything that fails the protocol's schemas", () => {
    for (const recorder of recorders.values()) expect(recorder.malformed).toEqual([]);
  });
});
