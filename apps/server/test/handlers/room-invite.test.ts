import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused, say } from "../support/requests.ts";

/** `room:invite`: a member of a private room makes another user a member, who may join from then on. */
describe("room:invite", () => {
  it("lets the invited user join, read the history and hear the room; any member may invite", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const c = await app.connect("C");
    await ok(a, "room:create", { room: "den", private: true });
    await say(a, "den", "before B");
    expect(await ok(a, "room:invite", { room: "den", user: "B" })).toEqual({ room: "den", user: "B" });
    expect((await ok(b, "room:list")).rooms).toEqual(["den", "lobby"]);
    expect((await ok(b, "room:join", { room: "den" })).messages.map((m) => m.text)).toEqual(["before B"]);
    const atB = record(b);
    await say(a, "den", "to B");
    await atB.next("message:new", (m) => m.text === "to B");
    expect(await ok(b, "room:invite", { room: "den", user: "C" })).toEqual({ room: "den", user: "C" });
    await ok(c, "room:join", { room: "den" });
    expect(await ok(c, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A", "B", "C"] });
  });

  it("refuses a non-member with forbidden, and a public room with not_found", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const s = await app.connect("S");
    await ok(a, "room:create", { room: "den", private: true });
    expect(await refused(s, "room:invite", { room: "den", user: "S" })).toEqual({
      code: "forbidden",
      message: "only members of room den may invite to it",
    });
    expect((await refused(s, "room:join", { room: "den" })).code).toBe("not_invited");
    expect(await refused(a, "room:invite", { room: "lobby", user: "S" })).toEqual({
      code: "not_found",
      message: "room lobby is not a private room; anyone may join it",
    });
  });
});
