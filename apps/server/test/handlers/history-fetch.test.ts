import { limits } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import type { TestClient } from "@chat/test-kit";
import { startInProcessApp } from "../support/in-process-app.ts";
import { ok, refused, say } from "../support/requests.ts";

/** `history:fetch`: a page of a room's older messages, newest `limit` before an id, for the room's members. */
describe("history:fetch", () => {
  const fast = { SEND_RATE_PER_CONNECTION: 10_000, SEND_RATE_PER_USER: 10_000 };

  const lines = async (client: TestClient, room: string, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await say(client, room, `line ${i}`));
    return ids;
  };

  it("answers a member of a room with no messages with an empty page", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "den" });
    expect(await ok(a, "history:fetch", { room: "den" })).toEqual({ room: "den", messages: [], more: false });
  });

  it(`without a bound: the latest ${limits.pageDefaultLength} messages, oldest first, with more: true when older ones remain`, async () => {
    const app = await startInProcessApp({ settings: fast });
    const a = await app.connect("A");
    const b = await app.connect("B");
    const ids = await lines(a, "lobby", limits.pageDefaultLength + 1);
    const page = await ok(b, "history:fetch", { room: "lobby" });
    expect(page.room).toBe("lobby");
    expect(page.more).toBe(true);
    expect(page.messages.map((message) => message.id)).toEqual(ids.slice(1));
    expect(page.messages[0]).toEqual({ id: ids[1], room: "lobby", from: "A", text: "line 1", sentAt: expect.any(Number) });
  });

  it("pages back with before and limit until more is false", async () => {
    const app = await startInProcessApp({ settings: fast });
    const a = await app.connect("A");
    const ids = await lines(a, "lobby", 5);
    const latest = await ok(a, "history:fetch", { room: "lobby", limit: 2 });
    expect(latest.messages.map((message) => message.id)).toEqual(ids.slice(3));
    expect(latest.more).toBe(true);
    const middle = await ok(a, "history:fetch", { room: "lobby", before: ids[3] ?? "", limit: 2 });
    expect(middle.messages.map((message) => message.id)).toEqual(ids.slice(1, 3));
    expect(middle.more).toBe(true);
    const start = await ok(a, "history:fetch", { room: "lobby", before: ids[1] ?? "", limit: 2 });
    expect(start).toEqual({ room: "lobby", messages: [expect.objectContaining({ id: ids[0] })], more: false });
  });

  it("shows only the room's own messages", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await ok(a, "room:join", { room: "den" });
    await say(a, "den", "in the den");
    await say(a, "lobby", "in the lobby");
    expect((await ok(a, "history:fetch", { room: "den" })).messages.map((message) => message.text)).toEqual(["in the den"]);
  });

  it("refuses a room the connection is not in with forbidden, and reveals nothing of it", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    await ok(a, "room:join", { room: "den" });
    await say(a, "den", "secret");
    expect(await refused(b, "history:fetch", { room: "den" })).toEqual({
      code: "forbidden",
      message: "join room den to read its history",
    });
    // A room nobody ever used answers the same: refusals do not tell which rooms exist.
    expect(await refused(b, "history:fetch", { room: "nowhere" })).toEqual({
      code: "forbidden",
      message: "join room nowhere to read its history",
    });
  });

  it("refuses a room the connection has left", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    await say(a, "lobby", "said before leaving");
    await ok(a, "room:leave", { room: "lobby" });
    expect(await refused(a, "history:fetch", { room: "lobby" })).toMatchObject({ code: "forbidden" });
  });

  it(`refuses a limit above ${limits.pageMaxLength} with invalid_payload naming the limit`, async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const error = await refused(a, "history:fetch", { room: "lobby", limit: limits.pageMaxLength + 1 });
    expect(error.code).toBe("invalid_payload");
    expect(error.issues?.map((issue) => issue.path)).toEqual([[0, "limit"]]);
    expect(await ok(a, "history:fetch", { room: "lobby", limit: limits.pageMaxLength })).toMatchObject({ more: false });
  });

  it("refuses a malformed before id with invalid_payload naming it", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const error = await refused(a, "history:fetch", { room: "lobby", before: "yesterday" });
    expect(error).toMatchObject({ code: "invalid_payload", issues: [{ path: [0, "before"], message: "a message id looks like 1700000000000-0" }] });
  });
});
