import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused, say } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * `room:leave` (and `leaveRoom`, which a disconnection runs for every room): the connection
 * stops receiving the room's traffic, and the room hears of the user's last session leaving.
 */
describe("room:leave", () => {
  it("answers with the room and tells the remaining members, not the leaver, presence:left", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const c = await app.connect("C");
    for (const client of [a, b, c]) await ok(client, "room:join", { room: "den" });
    const [atA, atB, atC] = [record(a), record(b), record(c)];
    expect(await ok(b, "room:leave", { room: "den" })).toEqual({ room: "den" });
    await Promise.all([a, b, c].map(roundTrip));
    expect(atA.all).toEqual([{ event: "presence:left", data: { room: "den", user: "B" } }]);
    expect(atC.all).toEqual([{ event: "presence:left", data: { room: "den", user: "B" } }]);
    expect(atB.all).toEqual([]);
  });

  it("stops the room's messages reaching the leaver; the lobby's still do", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    const atB = record(b);
    await ok(b, "room:leave", { room: "den" });
    await say(a, "den", "after B left");
    await say(a, "lobby", "in the lobby");
    await roundTrip(b);
    expect(atB.of("message:new").map((message) => message.text)).toEqual(["in the lobby"]);
    expect(await ok(b, "room:list")).toEqual({ rooms: ["lobby"] });
  });

  it("takes the user out of presence:who", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    await ok(b, "room:leave", { room: "den" });
    expect(await ok(a, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A"] });
  });

  it("announces nothing while another session of the user stays; the last one to leave is announced", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    for (const client of [a, b1, b2]) await ok(client, "room:join", { room: "den" });
    const atA = record(a);
    await ok(b1, "room:leave", { room: "den" });
    await roundTrip(a);
    expect(atA.all).toEqual([]);
    expect(await ok(a, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A", "B"] });
    await ok(b2, "room:leave", { room: "den" });
    await roundTrip(a);
    expect(atA.all).toEqual([{ event: "presence:left", data: { room: "den", user: "B" } }]);
  });

  it("refuses a room the connection is not in with not_found, and announces nothing", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    const atA = record(a);
    expect(await refused(b, "room:leave", { room: "den" })).toEqual({ code: "not_found", message: "you are not in room den" });
    await roundTrip(a);
    expect(atA.all).toEqual([]);
    expect(await ok(a, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A"] });
  });

  it("refuses a second leave of the same room with not_found", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "den" });
    await ok(a, "room:leave", { room: "den" });
    expect(await refused(a, "room:leave", { room: "den" })).toMatchObject({ code: "not_found" });
  });

  it("may leave the lobby: its members hear presence:left and its lines stop arriving", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const [atA, atB] = [record(a), record(b)];
    expect(await ok(b, "room:leave", { room: "lobby" })).toEqual({ room: "lobby" });
    await say(a, "lobby", "B is gone");
    await Promise.all([a, b].map(roundTrip));
    expect(atA.all).toEqual([{ event: "presence:left", data: { room: "lobby", user: "B" } }]);
    expect(atB.all).toEqual([]);
  });

  it("a disconnection leaves every room the connection was in, each room told once", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const c = await app.connect("C");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    await ok(c, "room:join", { room: "attic" });
    await ok(b, "room:join", { room: "attic" });
    const [atA, atC] = [record(a), record(c)];
    b.close();
    const left = (await atA.next("presence:left", (change) => change.room === "den")).data;
    expect(left).toEqual({ room: "den", user: "B" });
    await atA.next("presence:left", (change) => change.room === "lobby");
    await atC.next("presence:left", (change) => change.room === "attic");
    await atC.next("presence:left", (change) => change.room === "lobby");
    await Promise.all([a, c].map(roundTrip));
    expect(atA.of("presence:left")).toHaveLength(2);
    expect(atC.of("presence:left").sort((x, y) => x.room.localeCompare(y.room))).toEqual([
      { room: "attic", user: "B" },
      { room: "lobby", user: "B" },
    ]);
    expect(await ok(a, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A"] });
  });

  it("of a private room ends the membership and takes the user's other sessions out; a disconnection does not", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    await ok(a, "room:create", { room: "den", private: true });
    await ok(a, "room:invite", { room: "den", user: "B" });
    await ok(b1, "room:join", { room: "den" });
    b1.close();
    const b3 = await app.connect("B");
    await ok(b3, "room:join", { room: "den" });
    await ok(b2, "room:join", { room: "den" });
    expect(await ok(b3, "room:leave", { room: "den" })).toEqual({ room: "den" });
    expect((await ok(b2, "room:list")).rooms).toEqual(["lobby"]);
    expect((await refused(b2, "history:fetch", { room: "den" })).code).toBe("forbidden");
    expect((await refused(b2, "room:join", { room: "den" })).code).toBe("not_invited");
    expect((await refused(b3, "room:leave", { room: "den" })).code).toBe("not_found");
  });
});
