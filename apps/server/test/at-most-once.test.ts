import { MessageSent, ackOf, type ChatMessage, type DirectMessage } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";
import { emitRaw } from "./support/wire.ts";

/**
 * At-most-once posting: a send repeated with the same clientId (a retry) is answered with
 * the first send's id, stored once and delivered once, whichever worker or instance the
 * retry goes through. A has a session on every place (A1 one:1, A2 one:2, A3 two:1), B has
 * two (B1 one:2, B2 two:1), C one (one:1). All of them are in the room.
 */
describe("at-most-once posting across two workers and two instances", () => {
  let topology: Topology;
  let a1: TestClient;
  let a2: TestClient;
  let a3: TestClient;
  let b1: TestClient;
  let b2: TestClient;
  let c: TestClient;
  const room = unique("once");
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => {
    const recorder = recorders.get(client);
    if (recorder === undefined) throw new Error("no recorder");
    return recorder;
  };
  /** The room's lines a client has received since `mark` (an index into its recorder), as texts. */
  const linesSince = (client: TestClient, mark: number): string[] =>
    rec(client)
      .all.slice(mark)
      .flatMap((entry) => (entry.event === "message:new" && entry.data.room === room ? [entry.data.text] : []));
  const dmsSince = (client: TestClient, mark: number): string[] =>
    rec(client)
      .all.slice(mark)
      .flatMap((entry) => (entry.event === "dm:new" ? [entry.data.text] : []));
  const marks = () => new Map([...recorders].map(([client, recorder]) => [client, recorder.all.length]));
  const at = (map: Map<TestClient, number>, client: TestClient) => map.get(client) ?? 0;

  beforeAll(async () => {
    topology = await startTopology();
    a1 = await topology.connect("A", "one:1");
    a2 = await topology.connect("A", "one:2");
    a3 = await topology.connect("A", "two:1");
    b1 = await topology.connect("B", "one:2");
    b2 = await topology.connect("B", "two:1");
    c = await topology.connect("C", "one:1");
    for (const client of [a1, a2, a3, b1, b2, c]) {
      recorders.set(client, record(client));
      await ok(client, "room:join", { room });
    }
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  /** The room's history entries carrying `clientId`, as read by `reader`. */
  const storedWith = async (reader: TestClient, clientId: string): Promise<ChatMessage[]> =>
    (await ok(reader, "history:fetch", { room, limit: 100 })).messages.filter((message) => message.clientId === clientId);

  /** `from` sends `text` to the room; every client in `receivers` has it once this returns. */
  const followUp = async (from: TestClient, receivers: TestClient[]) => {
    const text = unique("follow-up");
    await ok(from, "message:send", { room, text });
    await Promise.all(receivers.map((client) => rec(client).next("message:new", (m) => m.text === text)));
    return text;
  };

  it("message:send twice with one clientId on one connection: the same id, stored once, delivered once to each member", async () => {
    const before = marks();
    const clientId = unique("twice");
    const text = unique("sent twice");
    const first = await ok(a1, "message:send", { room, text, clientId });
    const second = await ok(a1, "message:send", { room, text, clientId });
    expect(second).toEqual(first);
    const next = await followUp(a1, [a2, a3, b1, b2, c]);
    for (const member of [a2, a3, b1, b2, c]) expect(linesSince(member, at(before, member))).toEqual([text, next]);
    expect(linesSince(a1, at(before, a1))).toEqual([]);
    const stored = await storedWith(b2, clientId);
    expect(stored).toEqual([{ id: first.id, room, from: "A", text, sentAt: first.sentAt, clientId }]);
    expect((await rec(c).next("message:new", (m) => m.text === text)).data).toEqual(stored[0]);
  });

  it("message:send with one clientId through each worker and instance (A1, A2, A3): one id, stored once, delivered once", async () => {
    const before = marks();
    const clientId = unique("everywhere");
    const text = unique("retried everywhere");
    const first = await ok(a1, "message:send", { room, text, clientId });
    // A's other sessions show the line (they are other connections of the room)...
    await rec(a2).next("message:new", (m) => m.text === text);
    await rec(a3).next("message:new", (m) => m.text === text);
    // ...and retry it, as a client that lost its connection before the ack would.
    expect(await ok(a2, "message:send", { room, text, clientId })).toEqual(first);
    expect(await ok(a3, "message:send", { room, text, clientId })).toEqual(first);
    // Other text under the same clientId is no retry: refused, and nothing is stored or shown.
    expect(await refused(a3, "message:send", { room, text: `${text} (edited)`, clientId })).toMatchObject({ code: "client_id_reused" });
    const next = await followUp(a3, [a1, a2, b1, b2, c]);
    for (const member of [b1, b2, c, a2]) expect(linesSince(member, at(before, member))).toEqual([text, next]);
    expect(linesSince(a1, at(before, a1))).toEqual([next]);
    expect(linesSince(a3, at(before, a3))).toEqual([text]);
    expect((await storedWith(c, clientId)).map(({ id, text: stored }) => ({ id, text: stored }))).toEqual([{ id: first.id, text }]);
  });

  it("the same clientId from another user is another message", async () => {
    const clientId = unique("shared");
    const fromA = await ok(a1, "message:send", { room, text: "A's line", clientId });
    const fromB = await ok(b2, "message:send", { room, text: "B's line", clientId });
    expect(fromB.id).not.toBe(fromA.id);
    await rec(c).next("message:new", (m) => m.id === fromB.id);
    expect((await storedWith(c, clientId)).map(({ from, text }) => ({ from, text }))).toEqual([
      { from: "A", text: "A's line" },
      { from: "B", text: "B's line" },
    ]);
  });

  it("dm:send twice with one clientId, then through each worker and instance: one id, in each inbox once, delivered once to each session", async () => {
    const before = marks();
    const clientId = unique("dm-once");
    const text = unique("direct, retried");
    const first = await ok(a1, "dm:send", { to: "B", text, clientId });
    expect(await ok(a1, "dm:send", { to: "B", text, clientId })).toEqual(first);
    await rec(a2).next("dm:new", (m) => m.text === text);
    await rec(a3).next("dm:new", (m) => m.text === text);
    expect(await ok(a2, "dm:send", { to: "B", text, clientId })).toEqual(first);
    expect(await ok(a3, "dm:send", { to: "B", text, clientId })).toEqual(first);
    const next = unique("direct follow-up");
    await ok(a1, "dm:send", { to: "B", text: next });
    for (const session of [b1, b2, a2, a3]) await rec(session).next("dm:new", (m) => m.text === next);
    for (const session of [b1, b2, a2, a3]) expect(dmsSince(session, at(before, session))).toEqual([text, next]);
    expect(dmsSince(a1, at(before, a1))).toEqual([]);
    const withId = (messages: DirectMessage[]) => messages.filter((message) => message.clientId === clientId);
    const inboxB = withId((await ok(b1, "dm:fetch", {})).messages);
    expect(inboxB).toHaveLength(1);
    expect(inboxB[0]).toMatchObject({ from: "A", to: "B", text, clientId });
    expect(withId((await ok(a3, "dm:fetch", {})).messages)).toEqual([{ id: first.id, from: "A", to: "B", text, sentAt: first.sentAt, clientId }]);
  });

  /*
   * A DM stored, its ack lost, and then the recipient leaves: the client's retry must learn
   * that its DM was stored (the first id), not that the recipient is offline.
   */
  it("a dm:send retry is answered with the first id even after the recipient went offline", async () => {
    // O shares G's worker: once O has G's presence:left, G's departure is on record there.
    const observer = await topology.connect("O", "one:2");
    const watchO = record(observer);
    const g = await topology.connect("G", "one:2");
    const clientId = unique("dm-offline");
    const first = await ok(a1, "dm:send", { to: "G", text: "are you there?", clientId });
    g.close();
    await watchO.next("presence:left", (change) => change.room === "lobby" && change.user === "G");
    expect(await refused(observer, "dm:send", { to: "G", text: "gone?" })).toMatchObject({ code: "not_found" });
    const retry = await emitRaw(a1, "dm:send", [{ to: "G", text: "are you there?", clientId }]);
    expect(retry).toEqual({ ok: true, data: first });
  });

  /*
   * The dedupe keys of room lines (`<prefix>:sent:<user>:<clientId>`) and of DMs
   * (`<prefix>:sent:<user>:dm-<clientId>`) share one namespace, and a clientId may itself
   * start with "dm-": two different messages must not be taken for one.
   */
  it("a room line whose clientId is `dm-` + an earlier DM's clientId is a new message, stored and delivered", async () => {
    const dmClientId = unique("collide");
    await ok(a1, "dm:send", { to: "B", text: "the DM", clientId: dmClientId });
    const text = unique("the room line");
    const raw = await emitRaw(a1, "message:send", [{ room, text, clientId: `dm-${dmClientId}` }]);
    const parsed = ackOf(MessageSent).safeParse(raw);
    // Soft: every symptom is reported, not only the first.
    expect.soft(parsed.success, `ack ${JSON.stringify(raw)} does not match the protocol`).toBe(true);
    expect.soft(raw).toMatchObject({ ok: true });
    const arrived = await rec(c).next("message:new", (m) => m.text === text, 5_000).catch(() => undefined);
    expect.soft(arrived?.data, "the room line reached C").toMatchObject({ from: "A", text, clientId: `dm-${dmClientId}` });
    expect.soft(await storedWith(b1, `dm-${dmClientId}`), "the room line is in the history").toHaveLength(1);
  });

  it("a DM whose clientId X follows a room line with clientId dm-X: both stored, and a retry of the room line still answers its first id", async () => {
    const clientId = unique("collide");
    const line = await ok(a1, "message:send", { room, text: "the room line", clientId: `dm-${clientId}` });
    const text = unique("the DM");
    await ok(a1, "dm:send", { to: "B", text, clientId });
    await rec(b1).next("dm:new", (m) => m.text === text);
    const retry = await emitRaw(a1, "message:send", [{ room, text: "the room line", clientId: `dm-${clientId}` }]);
    expect(retry).toEqual({ ok: true, data: line });
  });

  it("no client received anything that fails the protocol's schemas", () => {
    for (const recorder of recorders.values()) expect(recorder.malformed).toEqual([]);
  });
});
