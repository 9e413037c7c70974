import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused } from "../support/requests.ts";

/** `presence:who`: the users online in a room, sorted, each once however many sessions they have. */
describe("presence:who", () => {
  it("lists everyone connected in the lobby, sorted, a user with two sessions once", async () => {
    const app = await startInProcessApp();
    const c = await app.connect("carol");
    await app.connect("alice");
    await app.connect("bob");
    await app.connect("alice");
    expect(await ok(c, "presence:who", { room: "lobby" })).toEqual({ room: "lobby", users: ["alice", "bob", "carol"] });
  });

  it("lists a room's members only", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await app.connect("C");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    expect(await ok(a, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A", "B"] });
  });

  it("refuses a connection not in the room with forbidden, whether the room has users or none", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const outsider = await app.connect("O");
    const secondSession = await app.connect("A");
    await ok(a, "room:join", { room: "den" });
    for (const [asker, room] of [[outsider, "den"], [outsider, "nowhere"], [secondSession, "den"]] as const) {
      expect(await refused(asker, "presence:who", { room })).toEqual({ code: "forbidden", message: `join room ${room} to see who is in it` });
    }
    await ok(a, "room:leave", { room: "den" });
    expect((await refused(a, "presence:who", { room: "den" })).code).toBe("forbidden");
  });

  it("drops a user once their last session has disconnected", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    const atA = record(a);
    b1.close();
    // Whichever of B's sessions goes last is the one announced.
    b2.close();
    await atA.next("presence:left", (change) => change.user === "B");
    expect(await ok(a, "presence:who", { room: "lobby" })).toEqual({ room: "lobby", users: ["A"] });
  });

  it("refuses an invalid room name with invalid_payload naming the room", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const error = await refused(a, "presence:who", { room: "no spaces" });
    expect(error).toMatchObject({ code: "invalid_payload", issues: [{ path: [0, "room"] }] });
  });
});
