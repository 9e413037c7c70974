import { limits } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/messages/message-store.ts";
import { appWithFaultyStore, type FaultyMessageStore } from "../support/faulty-message-store.ts";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused, say } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * `room:join`: the joiner gets the room's recent messages (or, resuming, every message after
 * the last it saw) and from then on the room's traffic; the room's other members hear of a
 * user's first session arriving.
 */
describe("room:join", () => {
  it("answers with the room, no messages yet, and tells the room's members, not the joiner, presence:joined", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const c = await app.connect("C");
    await ok(a, "room:join", { room: "den" });
    await ok(c, "room:join", { room: "den" });
    const [atA, atB, atC] = [record(a), record(b), record(c)];
    expect(await ok(b, "room:join", { room: "den" })).toEqual({ room: "den", messages: [], more: false });
    await Promise.all([a, b, c].map(roundTrip));
    expect(atA.of("presence:joined")).toEqual([{ room: "den", user: "B" }]);
    expect(atC.of("presence:joined")).toEqual([{ room: "den", user: "B" }]);
    expect(atB.all).toEqual([]);
  });

  it("does not tell users outside the room", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const outsider = await app.connect("O");
    const atOutsider = record(outsider);
    await ok(a, "room:join", { room: "den" });
    await roundTrip(outsider);
    expect(atOutsider.all).toEqual([]);
  });

  it("delivers the room's messages to the joiner from then on, not before", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    const atB = record(b);
    await say(a, "den", "before B joined");
    await ok(b, "room:join", { room: "den" });
    const id = await say(a, "den", "after B joined");
    expect((await atB.next("message:new")).data).toMatchObject({ id, room: "den", from: "A", text: "after B joined" });
    expect(atB.of("message:new").map((message) => message.text)).toEqual(["after B joined"]);
  });

  it(`answers a fresh join with the last ${limits.joinRecentLength} messages, oldest first, and more: false`, async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1000, SEND_RATE_PER_USER: 1000, EVENT_RATE_PER_CONNECTION: 1000, EVENT_RATE_PER_USER: 1000 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    const texts = Array.from({ length: limits.joinRecentLength + 2 }, (_, i) => `line ${i}`);
    const ids: string[] = [];
    for (const text of texts) ids.push(await say(a, "den", text));
    const page = await ok(b, "room:join", { room: "den" });
    expect(page.more).toBe(false);
    expect(page.messages.map((message) => message.text)).toEqual(texts.slice(-limits.joinRecentLength));
    expect(page.messages.map((message) => message.id)).toEqual(ids.slice(-limits.joinRecentLength));
    expect(page.messages[0]).toMatchObject({ room: "den", from: "A" });
  });

  it("resuming with after: every message after that id, oldest first, and the joiner is not announced again", async () => {
    const app = await startInProcessApp({ settings: { SEND_RATE_PER_CONNECTION: 1000, SEND_RATE_PER_USER: 1000, EVENT_RATE_PER_CONNECTION: 1000, EVENT_RATE_PER_USER: 1000 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    const seen = await say(a, "den", "seen");
    const missed: string[] = [];
    for (let i = 0; i < limits.joinRecentLength + 5; i++) missed.push(`missed ${i}`);
    for (const text of missed) await say(a, "den", text);
    const atA = record(a);
    const page = await ok(b, "room:join", { room: "den", after: seen });
    expect(page).toMatchObject({ room: "den", more: false });
    expect(page.messages.map((message) => message.text)).toEqual(missed);
    await roundTrip(a);
    expect(atA.of("presence:joined")).toEqual([]);
    expect(await ok(b, "room:list")).toEqual({ rooms: ["den", "lobby"] });
  });

  it(`resuming after more than ${limits.resumeMaxLength} messages: the first ${limits.resumeMaxLength}, and more: true`, async () => {
    const app = await startInProcessApp({
      settings: { SEND_RATE_PER_CONNECTION: 10_000, SEND_RATE_PER_USER: 10_000, EVENT_RATE_PER_CONNECTION: 10_000, EVENT_RATE_PER_USER: 10_000 },
    });
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "den" });
    const seen = await say(a, "den", "seen");
    const missed = Array.from({ length: limits.resumeMaxLength + 1 }, (_, i) => `missed ${i}`);
    await Promise.all(missed.map((text) => say(a, "den", text)));
    const b = await app.connect("B");
    const page = await ok(b, "room:join", { room: "den", after: seen });
    expect(page.more).toBe(true);
    expect(page.messages.map((message) => message.text)).toEqual(missed.slice(0, limits.resumeMaxLength));
    const rest = await ok(b, "room:join", { room: "den", after: page.messages.at(-1)?.id ?? "" });
    expect(rest).toMatchObject({ more: false, messages: [{ text: missed.at(-1) }] });
  });

  it("resuming after the newest message: no messages, more: false", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const last = await say(a, "lobby", "the newest");
    expect(await ok(a, "room:join", { room: "lobby", after: last })).toEqual({ room: "lobby", messages: [], more: false });
  });

  it("a second session of a user already in the room is not announced; the first session's own leaving is not either", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    const atA = record(a);
    await ok(b1, "room:join", { room: "den" });
    await ok(b2, "room:join", { room: "den" });
    await ok(b1, "room:leave", { room: "den" });
    await roundTrip(a);
    expect(atA.all).toEqual([{ event: "presence:joined", data: { room: "den", user: "B" } }]);
  });

  it(`refuses one room more than ${limits.roomsPerConnectionMax} with rate_limited; rejoining a room already joined still works`, async () => {
    // More new rooms than a day's default allowance (its own tests: room-create.test.ts).
    const app = await startInProcessApp({ settings: { MAX_ROOMS_PER_USER_PER_DAY: 1000 } });
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    // The lobby is the first.
    for (let i = 1; i < limits.roomsPerConnectionMax; i++) await ok(a, "room:join", { room: `r${i}` });
    expect((await ok(a, "room:list")).rooms).toHaveLength(limits.roomsPerConnectionMax);
    await ok(b, "room:join", { room: "one-too-many" });
    expect(await refused(a, "room:join", { room: "one-too-many" })).toEqual({
      code: "rate_limited",
      message: `a connection may be in at most ${limits.roomsPerConnectionMax} rooms`,
    });
    expect((await ok(a, "room:list")).rooms).not.toContain("one-too-many");
    await roundTrip(b);
    expect(atB.of("presence:joined")).toEqual([]);
    expect(await ok(a, "room:join", { room: "r1" })).toEqual({ room: "r1", messages: [], more: false });
    // Leaving one makes room for another.
    await ok(a, "room:leave", { room: "r1" });
    await ok(a, "room:join", { room: "one-too-many" });
    await roundTrip(b);
    expect(atB.of("presence:joined")).toEqual([{ room: "one-too-many", user: "A" }]);
  });

  it("lists the joiner in presence:who of the room", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    expect(await ok(b, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A", "B"] });
  });

  it("a join refused as unavailable leaves the connection out of the room; the retry joins and is announced", async () => {
    let store: FaultyMessageStore | undefined;
    const app = await startInProcessApp({ app: appWithFaultyStore((made) => (store = made)) });
    if (store === undefined) throw new Error("the app made no message store");
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(b, "room:join", { room: "den" });
    const [atA, atB] = [record(a), record(b)];
    store.fault = new StoreUnavailableError(new Error("connection refused"));
    expect(await refused(a, "room:join", { room: "den" })).toMatchObject({ code: "unavailable" });
    store.fault = undefined;
    expect(await ok(a, "room:list")).toEqual({ rooms: ["lobby"] });
    await say(b, "den", "not for A yet");
    await roundTrip(a);
    expect(atA.all).toEqual([]);
    expect(await ok(a, "room:join", { room: "den" })).toMatchObject({ room: "den", messages: [{ text: "not for A yet" }] });
    expect((await atB.next("presence:joined")).data).toEqual({ room: "den", user: "A" });
    expect(await ok(b, "presence:who", { room: "den" })).toEqual({ room: "den", users: ["A", "B"] });
  });
});
