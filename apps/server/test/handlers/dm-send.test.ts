import { describe, expect, it } from "vitest";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";

/**
 * `dm:send`: to every session of an online user and the sender's other sessions, as
 * `dm:new`; kept in both users' inboxes; a user who is not online cannot be written to.
 */
describe("dm:send", () => {
  it("delivers dm:new to every session of the recipient and the sender's other sessions, not the sending one", async () => {
    const app = await startInProcessApp();
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    const c = await app.connect("C");
    const [atA1, atA2, atB1, atB2, atC] = [record(a1), record(a2), record(b1), record(b2), record(c)];
    const before = Date.now();
    const sent = await ok(a1, "dm:send", { to: "B", text: "psst", clientId: "whisper-01" });
    expect(sent.sentAt).toBeGreaterThanOrEqual(before);
    const message = { id: sent.id, from: "A", to: "B", text: "psst", sentAt: sent.sentAt, clientId: "whisper-01" };
    await Promise.all([a1, a2, b1, b2, c].map(roundTrip));
    for (const recorder of [atA2, atB1, atB2]) expect(recorder.all).toEqual([{ event: "dm:new", data: message }]);
    expect(atA1.all).toEqual([]);
    expect(atC.all).toEqual([]);
  });

  it("a send that reuses a clientId with other text is refused with client_id_reused, and B receives only the first", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const first = await ok(a, "dm:send", { to: "B", text: "the first", clientId: "taken-0002" });
    const reused = await refused(a, "dm:send", { to: "B", text: "another", clientId: "taken-0002" });
    expect(reused).toEqual({ code: "client_id_reused", message: expect.stringMatching(/taken-0002/) });
    expect(await ok(a, "dm:send", { to: "B", text: "the first", clientId: "taken-0002" })).toEqual(first);
    await roundTrip(b);
    expect(atB.of("dm:new").map((message) => message.text)).toEqual(["the first"]);
    expect((await ok(b, "dm:fetch", {})).messages.map((message) => message.text)).toEqual(["the first"]);
  });

  it("keeps the message in both inboxes, as dm:fetch shows", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const { id } = await ok(a, "dm:send", { to: "B", text: "for the record" });
    const expected = { messages: [{ id, from: "A", to: "B", text: "for the record", sentAt: expect.any(Number) }], more: false };
    expect(await ok(a, "dm:fetch", {})).toEqual(expected);
    expect(await ok(b, "dm:fetch", {})).toEqual(expected);
  });

  it("refuses a user who is not online with not_found, stores nothing and tells nobody", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const a2 = await app.connect("A");
    const atA2 = record(a2);
    expect(await refused(a, "dm:send", { to: "Nobody", text: "hello?" })).toEqual({
      code: "not_found",
      message: "user Nobody is not online",
    });
    await roundTrip(a2);
    expect(atA2.all).toEqual([]);
    expect(await ok(a, "dm:fetch", {})).toEqual({ messages: [], more: false });
  });

  it("refuses a user whose last session has gone", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b1 = await app.connect("B");
    const b2 = await app.connect("B");
    b1.close();
    await ok(a, "dm:send", { to: "B", text: "one session left" });
    const atA = record(a);
    b2.close();
    await atA.next("presence:left", (change) => change.user === "B");
    expect(await refused(a, "dm:send", { to: "B", text: "anyone?" })).toMatchObject({ code: "not_found" });
  });

  it("a resend with the same clientId answers with the first id and delivers nothing more", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const first = await ok(a, "dm:send", { to: "B", text: "just once", clientId: "dm-retry-1" });
    expect(await ok(a, "dm:send", { to: "B", text: "just once", clientId: "dm-retry-1" })).toEqual(first);
    await roundTrip(b);
    expect(atB.of("dm:new").map((message) => message.id)).toEqual([first.id]);
    expect((await ok(b, "dm:fetch", {})).messages).toHaveLength(1);
  });

  it("a resend after the recipient left still gets its first answer, not not_found", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atA = record(a);
    const first = await ok(a, "dm:send", { to: "B", text: "did you get it?", clientId: "dm-retry-2" });
    b.close();
    await atA.next("presence:left", (change) => change.user === "B");
    expect(await ok(a, "dm:send", { to: "B", text: "did you get it?", clientId: "dm-retry-2" })).toEqual(first);
    // A new message (another clientId) is refused.
    expect(await refused(a, "dm:send", { to: "B", text: "did you get it?", clientId: "dm-retry-3" })).toMatchObject({
      code: "not_found",
    });
  });

  it("to oneself: the other sessions receive it once, the inbox holds it once", async () => {
    const app = await startInProcessApp();
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const [atA1, atA2] = [record(a1), record(a2)];
    const { id } = await ok(a1, "dm:send", { to: "A", text: "note to self" });
    await Promise.all([a1, a2].map(roundTrip));
    expect(atA1.all).toEqual([]);
    expect(atA2.of("dm:new")).toEqual([{ id, from: "A", to: "A", text: "note to self", sentAt: expect.any(Number) }]);
    expect((await ok(a1, "dm:fetch", {})).messages.map((message) => message.id)).toEqual([id]);
  });

  it("reaches a recipient who left every chat room, the lobby included", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(b, "room:leave", { room: "lobby" });
    const atB = record(b);
    const { id } = await ok(a, "dm:send", { to: "B", text: "still there?" });
    expect((await atB.next("dm:new")).data).toMatchObject({ id, from: "A", to: "B" });
  });
});
