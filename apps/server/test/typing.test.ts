import { limits } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say } from "./support/requests.ts";
import { startTopology, unique, type Place, type Topology } from "./support/topology.ts";
import { upgradedToWebSocket } from "./support/wire.ts";

/**
 * Typing notices across workers and instances. Members of each test's room: A (instance one,
 * worker 1), B (one, worker 2), C (instance two). Non-members, in the lobby only: N1 (one:2),
 * N2 (two:1).
 *
 * `typing:started` is volatile: Socket.IO drops it for a client whose transport is still
 * writing an earlier packet (engine.io marks a WebSocket unwritable until the write's
 * callback). A notice that arrives at a worker in the same tick as, say, a presence:joined
 * for the same client is dropped. So the clients run over WebSocket (no waiting for a poll),
 * and before each notice that must arrive, a barrier lets every earlier packet be delivered.
 */
describe("typing across two workers and two instances", () => {
  let topology: Topology;
  let a: TestClient;
  let b: TestClient;
  let c: TestClient;
  let n1: TestClient;
  let n2: TestClient;
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => {
    const recorder = recorders.get(client);
    if (recorder === undefined) throw new Error("no recorder");
    return recorder;
  };
  const join = async (name: string, place: Place) => {
    const client = await topology.connect(name, place);
    await upgradedToWebSocket(client);
    recorders.set(client, record(client));
    return client;
  };
  const everyone = () => [a, b, c, n1, n2];
  const typing = (client: TestClient, room: string) => rec(client).of("typing:started").filter((notice) => notice.room === room);

  beforeAll(async () => {
    topology = await startTopology();
    a = await join("A", "one:1");
    b = await join("B", "one:2");
    c = await join("C", "two:1");
    n1 = await join("N1", "one:2");
    n2 = await join("N2", "two:1");
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  /**
   * `from` says a line in the lobby; everyone else waits for it. A notice `from` sent before
   * went out on the same Redis connection first, so by then it has arrived wherever it goes.
   */
  const barrier = async (from: TestClient) => {
    const text = unique("barrier");
    await say(from, "lobby", text);
    await Promise.all(everyone().filter((client) => client !== from).map((client) => rec(client).next("message:new", (m) => m.text === text)));
  };

  const newRoom = async (stem: string) => {
    const room = unique(stem);
    for (const member of [a, b, c]) await ok(member, "room:join", { room });
    await barrier(c); // the presence:joined notices are delivered before any typing notice
    return room;
  };

  it("typing:start reaches the members on the other worker and the other instance as typing:started { room, user }; not the typist, not non-members", async () => {
    const room = await newRoom("typing");
    expect(await ok(a, "typing:start", { room })).toEqual({});
    for (const member of [b, c]) {
      expect((await rec(member).next("typing:started", (notice) => notice.room === room)).data).toEqual({ room, user: "A" });
    }
    await barrier(a);
    for (const outsider of [a, n1, n2]) expect(rec(outsider).of("typing:started")).toEqual([]);
    // And from instance two.
    expect(await ok(c, "typing:start", { room })).toEqual({});
    for (const member of [a, b]) await rec(member).next("typing:started", (notice) => notice.room === room && notice.user === "C");
    await barrier(c);
    expect(typing(a, room)).toEqual([{ room, user: "C" }]);
    expect(typing(b, room)).toEqual([
      { room, user: "A" },
      { room, user: "C" },
    ]);
    expect(typing(c, room)).toEqual([{ room, user: "A" }]);
    for (const outsider of [n1, n2]) expect(rec(outsider).of("typing:started")).toEqual([]);
  });

  it(`a second typing:start in the same room within limits.typingIntervalMs (${limits.typingIntervalMs} ms) is rate_limited and announces nothing; other rooms and connections are not limited`, async () => {
    const room = await newRoom("again");
    const other = await newRoom("other");
    const started = Date.now();
    await ok(b, "typing:start", { room });
    expect(await refused(b, "typing:start", { room })).toEqual({
      code: "rate_limited",
      message: `at most one typing notice per ${limits.typingIntervalMs} ms`,
    });
    // The refusal came within the interval, or this test proves nothing.
    expect(Date.now() - started).toBeLessThan(limits.typingIntervalMs);
    await barrier(b);
    // Per room...
    expect(await ok(b, "typing:start", { room: other })).toEqual({});
    await barrier(b);
    // ...and per connection: another session of B, on the other instance.
    const b2 = await join("B", "two:1");
    await ok(b2, "room:join", { room });
    await barrier(b2);
    expect(await ok(b2, "typing:start", { room })).toEqual({});
    await barrier(b2);
    for (const member of [a, c]) {
      expect(typing(member, room)).toEqual([
        { room, user: "B" },
        { room, user: "B" },
      ]);
      expect(typing(member, other)).toEqual([{ room: other, user: "B" }]);
    }
    // Once the interval has passed, B may say it again.
    await sleep(limits.typingIntervalMs + 250);
    expect(await ok(b, "typing:start", { room })).toEqual({});
    await barrier(b);
    for (const member of [a, c]) expect(typing(member, room)).toHaveLength(3);
  });

  it("typing:start in a room not joined (or left): forbidden, and the room's members receive nothing", async () => {
    const room = await newRoom("closed");
    const outside = unique("nowhere");
    expect(await refused(n1, "typing:start", { room })).toEqual({ code: "forbidden", message: `you are not in room ${room}` });
    expect(await refused(n2, "typing:start", { room: outside })).toEqual({ code: "forbidden", message: `you are not in room ${outside}` });
    await ok(c, "room:leave", { room });
    expect(await refused(c, "typing:start", { room })).toEqual({ code: "forbidden", message: `you are not in room ${room}` });
    await barrier(n1);
    await barrier(n2);
    await barrier(c);
    for (const member of [a, b, c]) expect(typing(member, room)).toEqual([]);
  });

  it("no client received anything that fails the protocol's schemas", () => {
    for (const recorder of recorders.values()) expect(recorder.malformed).toEqual([]);
  });
});
