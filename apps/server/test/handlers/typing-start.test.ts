import { limits } from "@chat/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * `typing:start`: a volatile `typing:started` to the room's other connections, at most one
 * per connection and room every `limits.typingIntervalMs`.
 *
 * Volatile packets are dropped for a connection still writing an earlier one; here each
 * notice is sent after the receivers' last packets were acknowledged, so none is dropped.
 */
describe("typing:start", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers {} and tells the room's other connections, the typist's other sessions included; not the typist, not outsiders", async () => {
    const app = await startInProcessApp();
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const b = await app.connect("B");
    const outsider = await app.connect("O");
    for (const client of [a1, a2, b]) await ok(client, "room:join", { room: "den" });
    const [atA1, atA2, atB, atOutsider] = [record(a1), record(a2), record(b), record(outsider)];
    expect(await ok(a1, "typing:start", { room: "den" })).toEqual({});
    await Promise.all([a1, a2, b, outsider].map(roundTrip));
    expect(atB.all).toEqual([{ event: "typing:started", data: { room: "den", user: "A" } }]);
    expect(atA2.all).toEqual([{ event: "typing:started", data: { room: "den", user: "A" } }]);
    expect(atA1.all).toEqual([]);
    expect(atOutsider.all).toEqual([]);
  });

  it("refuses a room the connection is not in with forbidden, and tells nobody", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(b, "room:join", { room: "den" });
    const atB = record(b);
    expect(await refused(a, "typing:start", { room: "den" })).toEqual({ code: "forbidden", message: "you are not in room den" });
    await roundTrip(b);
    expect(atB.all).toEqual([]);
  });

  it(`refuses a second notice within ${limits.typingIntervalMs} ms with rate_limited, in that room and on that connection only`, async () => {
    const app = await startInProcessApp();
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const b = await app.connect("B");
    for (const client of [a1, a2, b]) await ok(client, "room:join", { room: "den" });
    const atB = record(b);
    await ok(a1, "typing:start", { room: "den" });
    expect(await refused(a1, "typing:start", { room: "den" })).toEqual({
      code: "rate_limited",
      message: `at most one typing notice per ${limits.typingIntervalMs} ms`,
    });
    // Another room, and another session of the same user, have their own intervals.
    await ok(a1, "typing:start", { room: "lobby" });
    await roundTrip(b);
    await ok(a2, "typing:start", { room: "den" });
    await roundTrip(b);
    expect(atB.of("typing:started")).toEqual([
      { room: "den", user: "A" },
      { room: "lobby", user: "A" },
      { room: "den", user: "A" },
    ]);
  });

  it(`allows the next notice once ${limits.typingIntervalMs} ms have passed`, async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    await ok(a, "typing:start", { room: "lobby" });
    vi.setSystemTime(Date.now() + limits.typingIntervalMs - 1);
    expect(await refused(a, "typing:start", { room: "lobby" })).toMatchObject({ code: "rate_limited" });
    vi.setSystemTime(Date.now() + 1);
    await roundTrip(b);
    expect(await ok(a, "typing:start", { room: "lobby" })).toEqual({});
    await roundTrip(b);
    expect(atB.of("typing:started")).toEqual([
      { room: "lobby", user: "A" },
      { room: "lobby", user: "A" },
    ]);
  });

  it("after leaving the room, refuses with forbidden", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:leave", { room: "lobby" });
    expect(await refused(a, "typing:start", { room: "lobby" })).toMatchObject({ code: "forbidden" });
  });
});
