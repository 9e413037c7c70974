import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { ok } from "../support/requests.ts";

/** `room:list`: the rooms one connection is in, sorted, the lobby included until it is left. */
describe("room:list", () => {
  it("answers a new connection with the lobby alone", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    expect(await ok(a, "room:list")).toEqual({ rooms: ["lobby"] });
  });

  it("follows the connection's joins and leaves, sorted by name", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "zoo" });
    await ok(a, "room:join", { room: "den" });
    expect(await ok(a, "room:list")).toEqual({ rooms: ["den", "lobby", "zoo"] });
    await ok(a, "room:leave", { room: "lobby" });
    expect(await ok(a, "room:list")).toEqual({ rooms: ["den", "zoo"] });
    await ok(a, "room:leave", { room: "den" });
    await ok(a, "room:leave", { room: "zoo" });
    expect(await ok(a, "room:list")).toEqual({ rooms: [] });
  });

  it("is the connection's own: another session of the same user keeps its own rooms", async () => {
    const app = await startInProcessApp();
    const first = await app.connect("A");
    const second = await app.connect("A");
    await ok(first, "room:join", { room: "den" });
    expect(await ok(first, "room:list")).toEqual({ rooms: ["den", "lobby"] });
    expect(await ok(second, "room:list")).toEqual({ rooms: ["lobby"] });
  });

  it("lists a chat room named like the user, never the user's own room where direct messages go", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "A" });
    expect(await ok(a, "room:list")).toEqual({ rooms: ["A", "lobby"] });
  });

  it("adds the private rooms the user is a member of, joined by this connection or not", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:create", { room: "den", private: true });
    await ok(a, "room:invite", { room: "den", user: "B" });
    expect(await ok(b, "room:list")).toEqual({ rooms: ["den", "lobby"] });
    const later = await app.connect("B");
    expect(await ok(later, "room:list")).toEqual({ rooms: ["den", "lobby"] });
  });
});

