import { compareMessageIds } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/auth/token.ts";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";
import { emitRaw, parseFailure } from "../support/wire.ts";

/**
 * `message:send`: stored, then delivered as `message:new` to every other connection in the
 * room (the sender's other sessions included), and acknowledged with its id.
 */
describe("message:send", () => {
  it("acknowledges with the id and time, and delivers message:new to the room's other members", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    const atB = record(b);
    const before = Date.now();
    const sent = await ok(a, "message:send", { room: "den", text: "hello, den" });
    expect(Object.keys(sent).sort()).toEqual(["id", "sentAt"]);
    expect(sent.sentAt).toBeGreaterThanOrEqual(before);
    expect(sent.sentAt).toBeLessThanOrEqual(Date.now());
    const { data } = await atB.next("message:new");
    // No clientId was given, so the delivered line carries none.
    expect(data).toEqual({ id: sent.id, room: "den", from: "A", text: "hello, den", sentAt: sent.sentAt });
  });

  it("does not send the line back to the sending connection, but does to the sender's other sessions", async () => {
    const app = await startInProcessApp();
    const a1 = await app.connect("A");
    const a2 = await app.connect("A");
    const [at1, at2] = [record(a1), record(a2)];
    const { id } = await ok(a1, "message:send", { room: "lobby", text: "from my laptop", clientId: "laptop-0001" });
    await Promise.all([a1, a2].map(roundTrip));
    expect(at1.all).toEqual([]);
    expect(at2.of("message:new")).toEqual([
      { id, room: "lobby", from: "A", text: "from my laptop", sentAt: expect.any(Number), clientId: "laptop-0001" },
    ]);
  });

  it("reaches only the room's members: a user in other rooms hears nothing", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const outsider = await app.connect("O");
    await ok(a, "room:join", { room: "den" });
    await ok(b, "room:join", { room: "den" });
    const atOutsider = record(outsider);
    await ok(a, "message:send", { room: "den", text: "members only" });
    await roundTrip(outsider);
    expect(atOutsider.all).toEqual([]);
  });

  it("delivers a sender's lines in the order they were sent, with ids in that order", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const texts = ["one", "two", "three", "four", "five"];
    const ids = await Promise.all(texts.map(async (text) => (await ok(a, "message:send", { room: "lobby", text })).id));
    await roundTrip(b);
    const received = atB.of("message:new");
    expect(received.map((message) => message.text)).toEqual(texts);
    expect(received.map((message) => message.id)).toEqual(ids);
    for (let i = 1; i < ids.length; i++) expect(compareMessageIds(ids[i - 1] ?? "", ids[i] ?? "")).toBeLessThan(0);
  });

  it("keeps the text as sent: Unicode, spaces and newlines", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const text = "  héllo 👋🏽\n\tsecond line — ✓ ";
    await ok(a, "message:send", { room: "lobby", text });
    expect((await atB.next("message:new")).data.text).toBe(text);
  });

  it("a resend with the same clientId answers with the first id and delivers and stores nothing more", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const first = await ok(a, "message:send", { room: "lobby", text: "once", clientId: "retry-0001" });
    const again = await ok(a, "message:send", { room: "lobby", text: "once", clientId: "retry-0001" });
    expect(again).toEqual(first);
    // Another connection of the same user resending it (a reconnected client) is a repeat too.
    const a2 = await app.connect("A");
    expect(await ok(a2, "message:send", { room: "lobby", text: "once", clientId: "retry-0001" })).toEqual(first);
    // Another user's clientId is theirs alone.
    const other = await ok(b, "message:send", { room: "lobby", text: "mine", clientId: "retry-0001" });
    expect(other.id).not.toBe(first.id);
    await roundTrip(b);
    expect(atB.of("message:new").map((message) => message.text)).toEqual(["once"]);
    const page = await ok(b, "history:fetch", { room: "lobby" });
    expect(page.messages.map((message) => [message.from, message.text])).toEqual([
      ["A", "once"],
      ["B", "mine"],
    ]);
  });

  it("a send that reuses a clientId with other text is refused with client_id_reused; nobody receives it and it is not stored", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const first = await ok(a, "message:send", { room: "lobby", text: "the first", clientId: "taken-0001" });
    const reused = await refused(a, "message:send", { room: "lobby", text: "another", clientId: "taken-0001" });
    expect(reused).toEqual({ code: "client_id_reused", message: expect.stringMatching(/taken-0001/) });
    // The first text is still a retry.
    expect(await ok(a, "message:send", { room: "lobby", text: "the first", clientId: "taken-0001" })).toEqual(first);
    await roundTrip(b);
    expect(atB.of("message:new").map((message) => message.text)).toEqual(["the first"]);
    const page = await ok(b, "history:fetch", { room: "lobby" });
    expect(page.messages.map((message) => message.text)).toEqual(["the first"]);
  });

  it("refuses a room the sender is not in with forbidden; nobody receives it and it is not stored", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(b, "room:join", { room: "den" });
    const atB = record(b);
    expect(await refused(a, "message:send", { room: "den", text: "let me in" })).toEqual({
      code: "forbidden",
      message: "you are not in room den",
    });
    await roundTrip(b);
    expect(atB.all).toEqual([]);
    expect(await ok(b, "history:fetch", { room: "den" })).toEqual({ room: "den", messages: [], more: false });
    // And after leaving a room, the same.
    await ok(b, "room:leave", { room: "den" });
    expect(await refused(b, "message:send", { room: "den", text: "still here?" })).toMatchObject({ code: "forbidden" });
  });

  it("takes the sender from the handshake: a payload naming a sender is refused with invalid_payload", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const failure = parseFailure(await emitRaw(a, "message:send", [{ room: "lobby", text: "I am B", from: "B" }]));
    expect(failure.error.code).toBe("invalid_payload");
    expect(failure.error.issues).toEqual([{ path: [0], message: expect.stringMatching(/from/) }]);
    await roundTrip(b);
    expect(atB.all).toEqual([]);
  });

  it("with AUTH_MODE=token, names the sender the token was issued to", async () => {
    const secret = "a secret of at least thirty-two characters";
    const app = await startInProcessApp({ settings: { AUTH_MODE: "token", AUTH_SECRET: secret } });
    const a = await app.connect("ignored", { auth: { token: mintToken(secret, "alice", 60) } });
    const b = await app.connect("ignored", { auth: { token: mintToken(secret, "bob", 60) } });
    const atB = record(b);
    await ok(a, "message:send", { room: "lobby", text: "signed" });
    expect((await atB.next("message:new")).data).toMatchObject({ from: "alice", text: "signed" });
  });
});
