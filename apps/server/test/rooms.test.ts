import { limits, type ChatMessage } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";
import { emitRaw, parseFailure } from "./support/wire.ts";

/**
 * Rooms across workers and instances. Members: A (instance one, worker 1), B (one, worker 2),
 * C (instance two). Non-members, in the lobby only: N1, N2, N3 on the same three places.
 */
describe("rooms across two workers and two instances", () => {
  let topology: Topology;
  let a: TestClient;
  let b: TestClient;
  let c: TestClient;
  const at = new Map<TestClient, Recorder>();
  let nonMembers: TestClient[];
  const rec = (client: TestClient): Recorder => {
    const recorder = at.get(client);
    if (recorder === undefined) throw new Error("no recorder");
    return recorder;
  };

  beforeAll(async () => {
    // Its users bring more rooms into existence than a day's default allowance (room-retention.test.ts tests that).
    topology = await startTopology({ MAX_ROOMS_PER_USER_PER_DAY: "1000" });
    a = await topology.connect("A", "one:1");
    b = await topology.connect("B", "one:2");
    c = await topology.connect("C", "two:1");
    nonMembers = [
      await topology.connect("N1", "one:1"),
      await topology.connect("N2", "one:2"),
      await topology.connect("N3", "two:1"),
    ];
    for (const client of [a, b, c, ...nonMembers]) at.set(client, record(client));
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  /** A line in the lobby from `from` that every client receives: anything sent before it has arrived by then. */
  const barrier = async (from: TestClient, receivers: TestClient[]) => {
    const text = unique("barrier");
    await say(from, "lobby", text);
    await Promise.all(receivers.map((client) => rec(client).next("message:new", (m) => m.text === text)));
  };

  const inRoom = (client: TestClient, room: string): ChatMessage[] =>
    rec(client)
      .of("message:new")
      .filter((message) => message.room === room);

  it("room:join answers with the room, room:list shows exactly the rooms joined (sorted, lobby included), room:leave takes one out", async () => {
    const first = unique("list-b");
    const second = unique("list-a");
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby"] });
    expect(await ok(b, "room:join", { room: first })).toEqual({ room: first, messages: [], more: false });
    expect(await ok(b, "room:join", { room: second })).toEqual({ room: second, messages: [], more: false });
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby", second, first].sort() });
    expect(await ok(b, "room:leave", { room: first })).toEqual({ room: first });
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby", second].sort() });
    // Joining again (a resume) changes nothing in the list.
    await ok(b, "room:join", { room: second });
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby", second].sort() });
    expect(await ok(b, "room:leave", { room: second })).toEqual({ room: second });
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby"] });
    // Another connection's rooms are its own.
    expect(await ok(a, "room:list")).toEqual({ rooms: ["lobby"] });
  });

  it("a line to a room reaches the members on the other worker and the other instance once, in order; never the sender or non-members", async () => {
    const room = unique("talk");
    for (const member of [a, b, c]) await ok(member, "room:join", { room });
    const sent: { from: TestClient; name: string; text: string; id: string }[] = [];
    for (const [from, name] of [
      [a, "A"],
      [b, "B"],
      [c, "C"],
      [a, "A"],
    ] as const) {
      const text = unique(`${name} in ${room}`);
      sent.push({ from, name, text, id: await say(from, room, text) });
    }
    await barrier(a, [a, b, c, ...nonMembers].filter((client) => client !== a));
    for (const member of [a, b, c]) {
      const expected = sent
        .filter((line) => line.from !== member)
        .map(({ name, text, id }) => ({ id, room, from: name, text, sentAt: Number(id.split("-")[0]) }));
      expect(inRoom(member, room)).toEqual(expected);
    }
    for (const outsider of nonMembers) {
      expect(rec(outsider).of("message:new").filter((message) => message.room !== "lobby")).toEqual([]);
    }
    for (const member of [a, b, c]) await ok(member, "room:leave", { room });
  });

  it("joining shows exactly the room's last 10 messages, oldest first, to a joiner on another worker and on another instance", async () => {
    expect(limits.joinRecentLength).toBe(10);
    const room = unique("recent");
    await ok(a, "room:join", { room });
    await ok(c, "room:join", { room });
    const sent: ChatMessage[] = [];
    for (let i = 1; i <= 12; i++) {
      const [from, name] = i % 2 === 1 ? [a, "A"] : [c, "C"];
      const text = `recent ${i}`;
      const { id, sentAt } = await ok(from, "message:send", { room, text });
      sent.push({ id, room, from: name, text, sentAt });
    }
    const lastTen = sent.slice(2);
    expect(await ok(b, "room:join", { room })).toEqual({ room, messages: lastTen, more: false });
    const late = await topology.connect("D", "two:1");
    expect(await ok(late, "room:join", { room })).toEqual({ room, messages: lastTen, more: false });
    for (const member of [a, b, c, late]) await ok(member, "room:leave", { room });
  });

  it("room:join with `after` returns exactly the messages after that id, oldest first (resume), on every worker and instance", async () => {
    const room = unique("resume");
    await ok(a, "room:join", { room });
    const sent: ChatMessage[] = [];
    for (let i = 1; i <= 12; i++) {
      const text = `resume ${i}`;
      const { id, sentAt } = await ok(a, "message:send", { room, text });
      sent.push({ id, room, from: "A", text, sentAt });
    }
    const id = (i: number) => sent[i]?.id ?? "";
    // C (other instance) joins afresh with a cursor; B (other worker) too.
    expect(await ok(c, "room:join", { room, after: id(4) })).toEqual({ room, messages: sent.slice(5), more: false });
    expect(await ok(b, "room:join", { room, after: id(0) })).toEqual({ room, messages: sent.slice(1), more: false });
    // Rejoining a room already joined is how a client resumes.
    expect(await ok(c, "room:join", { room, after: id(10) })).toEqual({ room, messages: sent.slice(11), more: false });
    expect(await ok(a, "room:join", { room, after: id(11) })).toEqual({ room, messages: [], more: false });
    // A cursor between two ids (earlier than every message) returns them all.
    expect(await ok(b, "room:join", { room, after: "1-0" })).toEqual({ room, messages: sent, more: false });
    for (const member of [a, b, c]) await ok(member, "room:leave", { room });
  });

  it.each([
    { what: "a space", room: "bad room" },
    { what: "a leading dash", room: "-bad" },
    { what: "an empty name", room: "" },
    { what: "a name over the limit", room: "r".repeat(limits.nameMaxLength + 1) },
    { what: "a Socket.IO room of another kind", room: "user:B" },
  ])("room:join with $what: invalid_payload naming [0, room], nothing joined", async ({ room }) => {
    const before = await ok(c, "room:list");
    const failure = parseFailure(await emitRaw(c, "room:join", [{ room }]));
    expect(failure.error.code).toBe("invalid_payload");
    expect(failure.error.message).toBe("invalid arguments for room:join");
    expect((failure.error.issues ?? []).map(({ path }) => path)).toContainEqual([0, "room"]);
    expect(await ok(c, "room:list")).toEqual(before);
  });

  it("room:leave of a room not joined: not_found", async () => {
    const room = unique("never");
    expect(await refused(b, "room:leave", { room })).toEqual({ code: "not_found", message: `you are not in room ${room}` });
    // Joined by someone else (on another instance) makes no difference.
    await ok(c, "room:join", { room });
    expect(await refused(b, "room:leave", { room })).toEqual({ code: "not_found", message: `you are not in room ${room}` });
    await ok(c, "room:leave", { room });
    expect(await refused(c, "room:leave", { room })).toEqual({ code: "not_found", message: `you are not in room ${room}` });
  });

  it("sending to a room after leaving it: forbidden, and the members do not receive it", async () => {
    const room = unique("left");
    await ok(a, "room:join", { room });
    await ok(c, "room:join", { room });
    const firstId = await say(a, room, "before leaving");
    await ok(a, "room:leave", { room });
    expect(await refused(a, "message:send", { room, text: "after leaving" })).toEqual({
      code: "forbidden",
      message: `you are not in room ${room}`,
    });
    await barrier(a, [c]);
    expect(inRoom(c, room).map(({ id, text }) => ({ id, text }))).toEqual([{ id: firstId, text: "before leaving" }]);
    // The member on the other instance still talks, and A no longer hears the room.
    await say(c, room, "still here");
    await barrier(c, [a]);
    expect(inRoom(a, room)).toEqual([]);
    expect(await ok(c, "history:fetch", { room })).toMatchObject({ messages: [{ text: "before leaving" }, { text: "still here" }] });
    await ok(c, "room:leave", { room });
  });

  it(`a connection may be in at most limits.roomsPerConnectionMax (${limits.roomsPerConnectionMax}) rooms, the lobby included: the next join is rate_limited`, async () => {
    const joiner = await topology.connect("E", "one:2");
    const stem = unique("many");
    const rooms = Array.from({ length: limits.roomsPerConnectionMax - 1 }, (_, i) => `${stem}-${String(i).padStart(2, "0")}`);
    for (const room of rooms) await ok(joiner, "room:join", { room });
    expect(await ok(joiner, "room:list")).toEqual({ rooms: ["lobby", ...rooms].sort() });
    const oneTooMany = `${stem}-x`;
    expect(await refused(joiner, "room:join", { room: oneTooMany })).toEqual({
      code: "rate_limited",
      message: `a connection may be in at most ${limits.roomsPerConnectionMax} rooms`,
    });
    expect((await ok(joiner, "room:list")).rooms).not.toContain(oneTooMany);
    // Rejoining (resuming) a room already joined is still allowed at the limit...
    await ok(joiner, "room:join", { room: rooms[0] ?? "" });
    // ...and leaving one makes room for another.
    await ok(joiner, "room:leave", { room: rooms[0] ?? "" });
    expect(await ok(joiner, "room:join", { room: oneTooMany })).toEqual({ room: oneTooMany, messages: [], more: false });
    expect((await ok(joiner, "room:list")).rooms).toHaveLength(limits.roomsPerConnectionMax);
    // The limit is per connection: another connection of the same user is not affected.
    const other = await topology.connect("E", "two:1");
    await ok(other, "room:join", { room: `${stem}-y` });
  }, 60_000);

  it("no client received anything that fails the protocol's schemas", () => {
    for (const recorder of at.values()) expect(recorder.malformed).toEqual([]);
  });
});
