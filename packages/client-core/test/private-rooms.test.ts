import { startServer, type RunningServer } from "@chat/test-kit";
import type { Problem } from "@chat/client-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeAll, connected, freshRoom, textsIn, until } from "./support.ts";

describe("creating rooms and inviting into private ones, against a server of two workers", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ workers: 2, env: { SEND_RATE_PER_CONNECTION: "1000", SEND_RATE_PER_USER: "1000" } });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await server?.stop();
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
