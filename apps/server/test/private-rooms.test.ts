import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, sleep, type RunningServer, type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say } from "./support/requests.ts";
import { ProcessGuard, startServerPatiently, startTopology, unique, type Topology } from "./support/topology.ts";

/**
 * Private rooms across workers and instances. Owen creates the room on instance one, worker
 * 1; Ivy, invited, is on instance one, worker 2 and later on instance two; Sam, a stranger,
 * is on instance two. Pat keeps a public room going beside them.
 */
describe("private rooms: invite-only, membership kept across sessions, servers and restarts", () => {
  let topology: Topology;
  let owen: TestClient;
  let ivy: TestClient;
  let sam: TestClient;
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => recorders.get(client) ?? (() => { throw new Error("no recorder"); })();
  const watch = (client: TestClient) => {
    recorders.set(client, record(client));
    return client;
  };
  const room = unique("secret");
  const notInvited = { code: "not_invited", message: `room ${room} is private; a member must invite you (/invite)` };
  const texts = (messages: { text: string }[]) => messages.map((message) => message.text);
  const guard = new ProcessGuard();
  const restarted: TestClient[] = [];

  beforeAll(async () => {
    topology = await startTopology();
    owen = watch(await topology.connect("Owen", "one:1"));
    ivy = watch(await topology.connect("Ivy", "one:2"));
    sam = watch(await topology.connect("Sam", "two:1"));
  }, 180_000);
  afterAll(async () => {
    restarted.forEach((client) => client.close());
    await topology?.close();
    await guard.stopAll();
  }, 60_000);

  it("the creator creates and joins it; a second creation of the name is refused", async () => {
    expect(await ok(owen, "room:create", { room, private: true })).toEqual({ room, messages: [], more: false });
    await say(owen, room, "for members");
    expect(await refused(sam, "room:create", { room, private: true })).toEqual({
      code: "room_exists",
      message: `room ${room} already exists; /join it instead`,
    });
    expect(await refused(sam, "room:create", { room })).toMatchObject({ code: "room_exists" });
    expect((await ok(owen, "room:list")).rooms).toEqual(["lobby", room].sort());
  });

  it("a stranger on another instance is refused the join, the history and the presence, and hears none of its lines", async () => {
    expect(await refused(sam, "room:join", { room })).toEqual(notInvited);
    expect(await refused(sam, "room:join", { room, after: "0-0" })).toEqual(notInvited);
    expect(await refused(sam, "history:fetch", { room })).toMatchObject({ code: "forbidden" });
    expect(await refused(sam, "presence:who", { room })).toMatchObject({ code: "forbidden" });
    expect(await refused(sam, "typing:start", { room })).toMatchObject({ code: "forbidden" });
    expect(await refused(sam, "message:send", { room, text: "let me in" })).toMatchObject({ code: "forbidden" });
    expect(await refused(sam, "room:invite", { room, user: "Sam" })).toEqual({
      code: "forbidden",
      message: `only members of room ${room} may invite to it`,
    });
    expect((await ok(sam, "room:list")).rooms).toEqual(["lobby"]);
    await say(owen, room, "still private");
    await sleep(300);
    expect(rec(sam).of("message:new").filter((message) => message.room === room)).toEqual([]);
  });

  it("an invited user on another worker joins, reads the history, is seen and hears the room", async () => {
    expect(await refused(ivy, "room:join", { room })).toEqual(notInvited);
    expect(await ok(owen, "room:invite", { room, user: "Ivy" })).toEqual({ room, user: "Ivy" });
    expect((await ok(ivy, "room:list")).rooms).toEqual(["lobby", room].sort());
    expect(texts((await ok(ivy, "room:join", { room })).messages)).toEqual(["for members", "still private"]);
    expect(texts((await ok(ivy, "history:fetch", { room })).messages)).toEqual(["for members", "still private"]);
    expect(await ok(ivy, "presence:who", { room })).toEqual({ room, users: ["Ivy", "Owen"] });
    const text = unique("to ivy");
    await say(owen, room, text);
    await rec(ivy).next("message:new", (message) => message.room === room && message.text === text);
    // A member may invite too; inviting to a public room is no invitation.
    expect(await ok(ivy, "room:invite", { room, user: "Zed" })).toEqual({ room, user: "Zed" });
    expect(await refused(ivy, "room:invite", { room: "lobby", user: "Sam" })).toEqual({
      code: "not_found",
      message: "room lobby is not a private room; anyone may join it",
    });
  });

  it("membership outlives the connection: Ivy reconnects on another instance and rejoins without a new invitation", async () => {
    ivy.close();
    ivy = watch(await topology.connect("Ivy", "two:1"));
    expect((await ok(ivy, "room:list")).rooms).toEqual(["lobby", room].sort());
    expect(texts((await ok(ivy, "room:join", { room })).messages)).toContain("for members");
    expect(await refused(sam, "room:join", { room })).toEqual(notInvited);
  });

  it("membership outlives the servers: after instance two restarts, Ivy joins it again, Sam still may not", async () => {
    const prefix = topology.prefix;
    await topology.two.stop();
    const again: RunningServer = guard.watch(await startServerPatiently({ workers: 1, prefix }));
    const ivyAgain = watch(await connectClient(again.url, "Ivy"));
    const samAgain = watch(await connectClient(again.url, "Sam"));
    restarted.push(ivyAgain, samAgain);
    expect(texts((await ok(ivyAgain, "room:join", { room })).messages)).toContain("still private");
    expect(await refused(samAgain, "room:join", { room })).toEqual(notInvited);
    const text = unique("after restart");
    await say(owen, room, text);
    await rec(ivyAgain).next("message:new", (message) => message.room === room && message.text === text);
    ivy = ivyAgain;
    sam = samAgain;
  });

  it("leaving is explicit: room:leave ends the membership and takes every session of the user out", async () => {
    // A second session of Ivy's, on instance one, in the room too.
    const ivy2 = watch(await topology.connect("Ivy", "one:1"));
    await ok(ivy2, "room:join", { room });
    expect(await ok(ivy, "room:leave", { room })).toEqual({ room });
    expect(await refused(ivy, "room:join", { room })).toEqual(notInvited);
    // The other session is out as well, on its own instance: it reads and hears nothing more.
    for (let tries = 0; (await ok(ivy2, "room:list")).rooms.includes(room) && tries < 50; tries++) await sleep(100);
    expect((await ok(ivy2, "room:list")).rooms).toEqual(["lobby"]);
    expect(await refused(ivy2, "history:fetch", { room })).toMatchObject({ code: "forbidden" });
    const text = unique("after leave");
    await say(owen, room, text);
    await sleep(300);
    expect(rec(ivy2).of("message:new").filter((message) => message.text === text)).toEqual([]);
    // Owen is still a member; an invitation brings Ivy back.
    await ok(owen, "room:invite", { room, user: "Ivy" });
    expect(texts((await ok(ivy2, "room:join", { room })).messages)).toContain(text);
  });

  it("public rooms stay open: anyone joins, reads and sees who is there", async () => {
    const open = unique("open");
    const pat = await topology.connect("Pat", "one:2");
    await ok(pat, "room:join", { room: open });
    await say(pat, open, "hello all");
    expect(texts((await ok(sam, "room:join", { room: open })).messages)).toEqual(["hello all"]);
    expect(await ok(sam, "presence:who", { room: open })).toEqual({ room: open, users: ["Pat", "Sam"] });
    expect(await refused(sam, "room:invite", { room: open, user: "Owen" })).toMatchObject({ code: "not_found" });
    expect((await ok(sam, "room:list")).rooms).toEqual(["lobby", open].sort());
  });
});
