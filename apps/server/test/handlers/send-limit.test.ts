import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused, say } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * The send limits of `message:send` and `dm:send` (`send-limit.ts`): a bucket per connection
 * (SEND_RATE_PER_CONNECTION) and one per user (SEND_RATE_PER_USER), each holding three
 * seconds' worth. A refusal is `rate_limited` saying which limit and when to try again.
 *
 * The clock stands still (only `Date` is faked: sockets and timers run as usual), so each
 * test says exactly how much time passes and the wait a refusal names is exact.
 */
describe("send limits", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const later = (ms: number) => vi.setSystemTime(Date.now() + ms);
  const perConnection = (rate: number) =>
    `too many messages: at most ${rate} a second on one connection; try again in 1.0 s`;

  it("lets a connection burst three seconds' worth, then refuses with rate_limited; the refused line reaches nobody", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 100 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    for (const text of ["one", "two", "three"]) await say(a, "lobby", text);
    expect(await refused(a, "message:send", { room: "lobby", text: "four" })).toEqual({
      code: "rate_limited",
      message: perConnection(1),
    });
    await roundTrip(b);
    expect(atB.of("message:new").map((message) => message.text)).toEqual(["one", "two", "three"]);
    expect((await ok(b, "history:fetch", { room: "lobby" })).messages.map((message) => message.text)).toEqual(["one", "two", "three"]);
  });

  it("gives a token back every 1/rate seconds", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 2, SEND_RATE_PER_USER: 100 } });
    const a = await app.connect("A");
    for (let i = 0; i < 6; i++) await say(a, "lobby", `burst ${i}`);
    expect(await refused(a, "message:send", { room: "lobby", text: "too soon" })).toEqual({
      code: "rate_limited",
      message: "too many messages: at most 2 a second on one connection; try again in 0.5 s",
    });
    later(499);
    expect(await refused(a, "message:send", { room: "lobby", text: "still too soon" })).toMatchObject({
      message: "too many messages: at most 2 a second on one connection; try again in 0.1 s",
    });
    later(1);
    await say(a, "lobby", "on time");
    expect(await refused(a, "message:send", { room: "lobby", text: "again too soon" })).toMatchObject({ code: "rate_limited" });
  });

  it("counts each connection apart: another connection of the same user still sends", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 100 } });
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    for (let i = 0; i < 3; i++) await say(a1, "lobby", `first ${i}`);
    expect(await refused(a1, "message:send", { room: "lobby", text: "refused" })).toMatchObject({ code: "rate_limited" });
    await say(a2, "lobby", "from the other connection");
  });

  it("counts a user's connections together against SEND_RATE_PER_USER", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 100, SEND_RATE_PER_USER: 1 } });
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const b = await app.connect("B");
    await say(a1, "lobby", "one");
    await say(a2, "lobby", "two");
    await say(a1, "lobby", "three");
    expect(await refused(a2, "message:send", { room: "lobby", text: "four" })).toEqual({
      code: "rate_limited",
      message: "too many messages: at most 1 a second for one user over all their connections; try again in 1.0 s",
    });
    // Another user is not held back.
    await say(b, "lobby", "B's turn");
  });

  it("gives the connection's token back when the user's limit refuses, so that only sends that went ahead count", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 2 } });
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const a3 = await app.connect("A");
    // The user's six tokens go on two connections; the third's are all refused by the user's limit.
    for (let i = 0; i < 3; i++) await say(a1, "lobby", `a1 ${i}`);
    for (let i = 0; i < 3; i++) await say(a2, "lobby", `a2 ${i}`);
    for (let i = 0; i < 3; i++) {
      expect(await refused(a3, "message:send", { room: "lobby", text: `a3 ${i}` })).toMatchObject({
        message: expect.stringContaining("for one user over all their connections"),
      });
    }
    // 1.5 s: three tokens for the user; a3's connection still has its three.
    later(1500);
    for (let i = 0; i < 3; i++) await say(a3, "lobby", `a3 later ${i}`);
  });

  it("dm:send draws on the same buckets as message:send", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 100 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    await say(a, "lobby", "one");
    await ok(a, "dm:send", { to: "B", text: "two" });
    await say(a, "lobby", "three");
    expect(await refused(a, "dm:send", { to: "B", text: "four" })).toEqual({ code: "rate_limited", message: perConnection(1) });
    await roundTrip(b);
    expect(atB.of("dm:new").map((message) => message.text)).toEqual(["two"]);
    expect((await ok(b, "dm:fetch", {})).messages.map((message) => message.text)).toEqual(["two"]);
  });

  it("a message:send refused as forbidden takes no token; a dm:send to someone offline does", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 100 } });
    const a = await app.connect("A");
    for (let i = 0; i < 5; i++) expect(await refused(a, "message:send", { room: "den", text: "x" })).toMatchObject({ code: "forbidden" });
    await say(a, "lobby", "one");
    expect(await refused(a, "dm:send", { to: "Nobody", text: "x" })).toMatchObject({ code: "not_found" });
    await say(a, "lobby", "three");
    expect(await refused(a, "dm:send", { to: "Nobody", text: "x" })).toMatchObject({ code: "rate_limited" });
  });

  it("a resend of a line already stored is refused like any other send while over the limit", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1, SEND_RATE_PER_USER: 100 } });
    const a = await app.connect("A");
    const first = await ok(a, "message:send", { room: "lobby", text: "one", clientId: "resend-01" });
    await say(a, "lobby", "two");
    await say(a, "lobby", "three");
    expect(await refused(a, "message:send", { room: "lobby", text: "one", clientId: "resend-01" })).toMatchObject({
      code: "rate_limited",
    });
    later(1000);
    expect(await ok(a, "message:send", { room: "lobby", text: "one", clientId: "resend-01" })).toEqual(first);
  });
});
