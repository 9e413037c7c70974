import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused, say } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * `room:create`: a room no one uses yet, joined at once; private, it admits its creator and
 * whoever its members invite. Each creation, like each join of a room without history,
 * counts against the user's rooms for the day.
 */
describe("room:create", () => {
  it("creates and joins a public room that anyone may then join", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    expect(await ok(a, "room:create", { room: "den" })).toEqual({ room: "den", messages: [], more: false });
    await say(a, "den", "hello");
    expect((await ok(b, "room:join", { room: "den" })).messages.map((m) => m.text)).toEqual(["hello"]);
  });

  it("a private room: the creator is in it; a stranger's join is not_invited and they hear nothing of it", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const s = await app.connect("S");
    const atS = record(s);
    await ok(a, "room:create", { room: "den", private: true });
    await say(a, "den", "secret");
    expect(await refused(s, "room:join", { room: "den" })).toEqual({
      code: "not_invited",
      message: "room den is private; a member must invite you (/invite)",
    });
    expect((await refused(s, "history:fetch", { room: "den" })).code).toBe("forbidden");
    expect((await ok(a, "room:list")).rooms).toEqual(["den", "lobby"]);
    await roundTrip(s);
    expect(atS.of("message:new")).toEqual([]);
  });

  it("refuses with room_exists a name with history, a private name, a room someone is in, and the lobby", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "busy" });
    await ok(a, "room:join", { room: "storied" });
    await say(a, "storied", "history");
    await ok(a, "room:leave", { room: "storied" });
    await ok(a, "room:create", { room: "mine", private: true });
    for (const room of ["busy", "storied", "mine", "lobby"]) {
      expect(await refused(b, "room:create", { room, private: true })).toEqual({
        code: "room_exists",
        message: `room ${room} already exists; /join it instead`,
      });
    }
  });

  it("counts against MAX_ROOMS_PER_USER_PER_DAY with joins of rooms without history: past it, room_quota_exceeded", async () => {
    const app = await startInProcessApp({ settings: { MAX_ROOMS_PER_USER_PER_DAY: 2 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "first" });
    await ok(a, "room:create", { room: "second", private: true });
    const over = (room: string) => ({ code: "room_quota_exceeded", message: `you have created as many rooms today as allowed; ${room} was not created` });
    expect(await refused(a, "room:create", { room: "third" })).toEqual(over("third"));
    expect(await refused(a, "room:join", { room: "third" })).toEqual(over("third"));
    // A room that exists costs nothing; nor does one already counted today.
    await ok(b, "room:join", { room: "theirs" });
    await say(b, "theirs", "here");
    await ok(a, "room:join", { room: "theirs" });
    await ok(a, "room:leave", { room: "first" });
    await ok(a, "room:join", { room: "first" });
    expect((await ok(a, "room:list")).rooms).toEqual(["first", "lobby", "second", "theirs"]);
  });
});
