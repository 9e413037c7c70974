import { startServer, type RunningServer } from "@chat/test-kit";
import type { Problem } from "@chat/client-core";
import type { ChatMessage } from "@chat/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeAll, connected, freshRoom, listedIn, textsIn, until } from "./support.ts";

describe("the client core against a server of two workers", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ workers: 2, env: { SEND_RATE_PER_CONNECTION: "1000", SEND_RATE_PER_USER: "1000" } });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await server?.stop();
  });

  it("shows each side's lines to the other once, and the sender's own as pending until sent", async () => {
    const room = freshRoom("talk");
    const ann = client(server.url, { name: "ann", rooms: ["lobby", room] });
    const bob = client(server.url, { name: "bob", rooms: ["lobby", room] });
    await Promise.all([connected(ann, room), connected(bob, room)]);

    const seen: ChatMessage[] = [];
    bob.on("message", (message) => seen.push(message));
    const statuses: string[] = [];
    ann.on("outgoing", (outgoing) => statuses.push(outgoing.status));
    const sending = ann.say(room, "hello bob");
    expect(ann.outgoingTo({ room }).map((entry) => [entry.text, entry.status])).toEqual([["hello bob", "pending"]]);
    const sent = await sending;
    expect(sent.status).toBe("sent");
    expect(statuses).toEqual(["pending", "sent"]);
    expect(ann.outgoingTo({ room })).toEqual([]);
    expect(textsIn(ann, room)).toEqual(["hello bob"]);

    await until(bob, () => textsIn(bob, room).includes("hello bob"), "hello bob");
    await bob.say(room, "hi ann");
    await until(ann, () => textsIn(ann, room).length === 2, "bob's answer");
    expect(ann.messagesOf(room).map((message) => [message.from, message.text])).toEqual([
      ["ann", "hello bob"],
      ["bob", "hi ann"],
    ]);
    expect(seen.map((message) => message.text)).toEqual(["hello bob"]);
    expect(ann.messagesOf(room)[0]?.id).toBe(sent.id);
  });

  it("counts unread messages of rooms not in view, and clears them on viewing", async () => {
    const room = freshRoom("unread");
    const ann = client(server.url, { name: "ann", rooms: ["lobby", room] });
    const bob = client(server.url, { name: "bob", rooms: ["lobby", room] });
    await Promise.all([connected(ann, room), connected(bob, room)]);
    ann.view({ room: "lobby" });
    for (const text of ["one", "two", "three"]) await bob.say(room, text);
    await until(ann, () => ann.unreadOf({ room }) === 3, "three unread");
    await bob.say("lobby", "in view");
    await until(ann, () => textsIn(ann, "lobby").includes("in view"), "the lobby's line");
    expect(ann.unreadOf({ room: "lobby" })).toBe(0);
    ann.view({ room });
    expect(ann.unreadOf({ room })).toBe(0);
  });

  it("keeps who is online in a room as people join and leave", async () => {
    const room = freshRoom("presence");
    const ann = client(server.url, { name: "ann", rooms: ["lobby", room] });
    await connected(ann, room);
    expect(ann.usersIn(room)).toEqual(["ann"]);
    const cid = client(server.url, { name: "cid" });
    await connected(cid);
    expect((await cid.join(room)).ok).toBe(true);
    await until(ann, () => ann.usersIn(room).includes("cid"), "cid's arrival");
    expect([...cid.usersIn(room)].sort()).toEqual(["ann", "cid"]);
    await cid.leave(room);
    await until(ann, () => !ann.usersIn(room).includes("cid"), "cid's departure");
    expect(cid.rooms).toEqual(["lobby"]);
  });

  it("shows who is typing for a few seconds, and not once they have sent their line", async () => {
    const room = freshRoom("typing");
    const ann = client(server.url, { name: "ann", rooms: [room] });
    const bob = client(server.url, { name: "bob", rooms: [room], typingShownMs: 60_000 });
    await Promise.all([connected(ann, room), connected(bob, room)]);
    ann.typing(room);
    await until(bob, () => bob.typingIn(room).includes("ann"), "ann typing");
    expect(ann.typingIn(room)).toEqual([]);
    await ann.say(room, "done typing");
    await until(bob, () => bob.typingIn(room).length === 0, "the notice to end with ann's line");
  });

  it("joins a room with its recent messages and pages back through older ones on demand", async () => {
    const room = freshRoom("history");
    const ann = client(server.url, { name: "ann", rooms: [room] });
    await connected(ann, room);
    const texts = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    for (const text of texts) await ann.say(room, text);

    const dee = client(server.url, { name: "dee", rooms: [room] });
    await connected(dee, room);
    expect(textsIn(dee, room)).toEqual(texts.slice(-10));
    expect(dee.hasOlder(room)).toBe(true);
    const older: string[][] = [];
    dee.on("older", (_room, messages) => older.push(messages.map((message) => message.text)));
    const page = await dee.loadOlder(room, 10);
    expect(page.ok && page.data.more).toBe(true);
    expect(textsIn(dee, room)).toEqual(texts.slice(-20));
    await dee.loadOlder(room, 10);
    expect(textsIn(dee, room)).toEqual(texts);
    expect(dee.hasOlder(room)).toBe(false);
    expect(older).toEqual([texts.slice(5, 15), texts.slice(0, 5)]);
  });

  it("sends a direct message to the person only, and shows it on both sides once", async () => {
    const ann = client(server.url, { name: "ann" });
    const bob = client(server.url, { name: "bob" });
    const eve = client(server.url, { name: "eve" });
    await Promise.all([connected(ann), connected(bob), connected(eve)]);
    await listedIn(ann, "lobby", "bob");
    let eveDirects = 0;
    eve.on("direct", () => (eveDirects += 1));
    const text = `psst ${Math.random()}`;
    const sent = await ann.sendDirect("bob", text);
    expect(sent.status).toBe("sent");
    await until(bob, () => bob.directsWith("ann").some((message) => message.text === text), "ann's direct message");
    expect(bob.unreadOf({ peer: "ann" })).toBe(1);
    expect(ann.directsWith("bob").filter((message) => message.text === text)).toHaveLength(1);
    expect(eveDirects).toBe(0);

    // A later session of bob's: the latest direct messages as history, or none when asked so (a terminal).
    const bobAgain = client(server.url, { name: "bob" });
    const bobInTerminal = client(server.url, { name: "bob", recentDirects: 0 });
    await Promise.all([connected(bobAgain), connected(bobInTerminal)]);
    await until(bobAgain, () => bobAgain.directsWith("ann").some((message) => message.text === text), "the history of direct messages");
    await bobInTerminal.settled();
    expect(bobInTerminal.peers).toEqual([]);
    expect(bobAgain.unreadOf({ peer: "ann" })).toBe(0);

    const failed = await ann.sendDirect("nobody-here", "anyone?");
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("not_found");
  });

  it("creates a private room: its creator is in it at once, others only once invited", async () => {
    const room = freshRoom("hush");
    const ann = client(server.url, { name: "ann" });
    const bob = client(server.url, { name: "bob" });
    await Promise.all([connected(ann), connected(bob)]);

    const created = await ann.create(room, { private: true });
    expect(created).toEqual({ ok: true, data: { room, messages: [], more: false } });
    expect(ann.rooms).toEqual(["lobby", room]);
    await until(ann, () => ann.usersIn(room).includes("ann"), "ann among the room's people");

    const refused = await bob.join(room);
    expect(refused.ok ? undefined : refused.error.code).toBe("not_invited");
    expect(bob.rooms).toEqual(["lobby"]);

    const problems: Problem[] = [];
    bob.on("problem", (problem) => problems.push(problem));
    expect(await ann.invite(room, "bob")).toEqual({ ok: true, data: { room, user: "bob" } });
    const joined = await bob.join(room);
    expect(joined.ok).toBe(true);
    await ann.say(room, "welcome");
    await until(bob, () => textsIn(bob, room).includes("welcome"), "ann's line");
    expect(problems).toEqual([]);
  });

  it("refuses a name already in use once, without retrying, and keeps the user out of it", async () => {
    const room = freshRoom("taken");
    const ann = client(server.url, { name: "ann" });
    const bob = client(server.url, { name: "bob" });
    await Promise.all([connected(ann), connected(bob)]);
    expect((await ann.create(room)).ok).toBe(true);
    await ann.say(room, "first");

    const problems: Problem[] = [];
    bob.on("problem", (problem) => problems.push(problem));
    const outcome = await bob.create(room);
    expect(outcome.ok ? undefined : outcome.error.code).toBe("room_exists");
    expect(bob.rooms).toEqual(["lobby"]);
    expect(problems.map((problem) => [problem.code, problem.what])).toEqual([["room_exists", `could not create ${room}`]]);
  });

  it("says why an invitation fails: only a member may invite", async () => {
    const room = freshRoom("closed");
    const ann = client(server.url, { name: "ann" });
    const bob = client(server.url, { name: "bob" });
    await Promise.all([connected(ann), connected(bob)]);
    expect((await ann.create(room, { private: true })).ok).toBe(true);
    const problems: Problem[] = [];
    bob.on("problem", (problem) => problems.push(problem));
    const outcome = await bob.invite(room, "bob");
    expect(outcome).toEqual({ ok: false, error: { code: "forbidden", message: `only members of room ${room} may invite to it` } });
    expect(problems.map((problem) => problem.what)).toEqual([`could not invite bob to ${room}`]);
  });

  it("pages back from a given message rather than the oldest loaded", async () => {
    const room = freshRoom("paging");
    const ann = client(server.url, { name: "ann", rooms: [room] });
    await connected(ann, room);
    const sent = [];
    for (const text of ["one", "two", "three"]) sent.push(await ann.say(room, text));
    // Ann has all three loaded (her own lines); from before "three" the server still has two.
    const page = await ann.loadOlder(room, 10, sent[2]?.id);
    expect(page.ok ? page.data.messages.map((message) => message.text) : page.error).toEqual(["one", "two"]);
    const fromOldest = await ann.loadOlder(room, 10);
    expect(fromOldest.ok ? fromOldest.data.messages : fromOldest.error).toEqual([]);
  });
});
