import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";

/**
 * A room's presence, typing notices and history are its members' only: a member is a
 * connection that joined the room. M1 (instance one, worker 1) and M2 (instance two) are
 * in the room; N1 (one, worker 2) and N2 (two) are not, and ask anyway.
 */
describe("a room's presence, typing and history, for its members only, across workers and instances", () => {
  let topology: Topology;
  let m1: TestClient;
  let m2: TestClient;
  let n1: TestClient;
  let n2: TestClient;
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => recorders.get(client) ?? (() => { throw new Error("no recorder"); })();
  const room = unique("members");

  beforeAll(async () => {
    topology = await startTopology();
    m1 = await topology.connect("M1", "one:1");
    n1 = await topology.connect("N1", "one:2");
    m2 = await topology.connect("M2", "two:1");
    n2 = await topology.connect("N2", "two:1");
    for (const client of [m1, m2, n1, n2]) recorders.set(client, record(client));
    await ok(m1, "room:join", { room });
    await ok(m2, "room:join", { room });
    await say(m1, room, "members only");
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  it("presence:who: the members get the room's users; a non-member gets forbidden, not the list", async () => {
    expect(await ok(m1, "presence:who", { room })).toEqual({ room, users: ["M1", "M2"] });
    expect(await ok(m2, "presence:who", { room })).toEqual({ room, users: ["M1", "M2"] });
    for (const stranger of [n1, n2]) {
      expect(await refused(stranger, "presence:who", { room })).toEqual({
        code: "forbidden",
        message: `join room ${room} to see who is in it`,
      });
    }
  });

  it("typing:start: a non-member is refused and the members hear nothing of it", async () => {
    for (const stranger of [n1, n2]) {
      expect(await refused(stranger, "typing:start", { room })).toEqual({ code: "forbidden", message: `you are not in room ${room}` });
    }
    expect(await ok(m2, "typing:start", { room })).toEqual({});
    await rec(m1).next("typing:started", (notice) => notice.room === room && notice.user === "M2");
    await sleep(300);
    expect(rec(m1).of("typing:started").filter((notice) => notice.room === room).map((notice) => notice.user)).toEqual(["M2"]);
  });

  it("history:fetch: the members read the room; a non-member gets forbidden, before joining and after leaving", async () => {
    for (const member of [m1, m2]) {
      expect((await ok(member, "history:fetch", { room })).messages.map((message) => message.text)).toEqual(["members only"]);
    }
    const forbidden = { code: "forbidden", message: `join room ${room} to read its history` };
    for (const stranger of [n1, n2]) expect(await refused(stranger, "history:fetch", { room })).toEqual(forbidden);
    await ok(n1, "room:join", { room });
    expect((await ok(n1, "history:fetch", { room })).messages.map((message) => message.text)).toEqual(["members only"]);
    expect((await ok(n1, "presence:who", { room })).users).toEqual(["M1", "M2", "N1"]);
    await ok(n1, "room:leave", { room });
    expect(await refused(n1, "history:fetch", { room })).toEqual(forbidden);
    expect((await refused(n1, "presence:who", { room })).code).toBe("forbidden");
  });
});
