import { limits } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app.ts";
import type { TestClient } from "@chat/test-kit";
import { ok, refused } from "../support/requests.ts";

/** `dm:fetch`: the user's own inbox (what they sent and received), after an id or before one. */
describe("dm:fetch", () => {
  const fast = { SEND_RATE_PER_CONNECTION: 10_000, SEND_RATE_PER_USER: 10_000, EVENT_RATE_PER_CONNECTION: 10_000, EVENT_RATE_PER_USER: 10_000 };

  /** A sends B `count` messages, in order; their ids. */
  const exchange = async (a: TestClient, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await ok(a, "dm:send", { to: "B", text: `dm ${i}` })).id);
    return ids;
  };
  const pair = async (app: InProcessApp) => ({ a: await app.connect("A"), b: await app.connect("B") });

  it("answers an empty inbox with no messages and more: false", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    expect(await ok(a, "dm:fetch", {})).toEqual({ messages: [], more: false });
  });

  it("holds what the user sent and received, oldest first, and nobody else's", async () => {
    const app = await startInProcessApp();
    const { a, b } = await pair(app);
    const c = await app.connect("C");
    const toB = await ok(a, "dm:send", { to: "B", text: "hi B" });
    const toA = await ok(b, "dm:send", { to: "A", text: "hi A" });
    await ok(c, "dm:send", { to: "B", text: "hi from C" });
    const page = await ok(a, "dm:fetch", {});
    expect(page).toEqual({
      messages: [
        { id: toB.id, from: "A", to: "B", text: "hi B", sentAt: toB.sentAt },
        { id: toA.id, from: "B", to: "A", text: "hi A", sentAt: toA.sentAt },
      ],
      more: false,
    });
    expect((await ok(c, "dm:fetch", {})).messages.map((message) => message.text)).toEqual(["hi from C"]);
  });

  it(`without a bound: the latest ${limits.pageDefaultLength}, oldest first, and more: true when there are older ones`, async () => {
    const app = await startInProcessApp({ settings: fast });
    const { a, b } = await pair(app);
    const ids = await exchange(a, limits.pageDefaultLength + 3);
    const page = await ok(b, "dm:fetch", {});
    expect(page.more).toBe(true);
    expect(page.messages.map((message) => message.id)).toEqual(ids.slice(-limits.pageDefaultLength));
  });

  it("before an id: the newest `limit` older than it, paging back to the start", async () => {
    const app = await startInProcessApp({ settings: fast });
    const { a, b } = await pair(app);
    const ids = await exchange(a, 7);
    const newest = await ok(b, "dm:fetch", { limit: 3 });
    expect(newest).toMatchObject({ more: true });
    expect(newest.messages.map((message) => message.id)).toEqual(ids.slice(4));
    const older = await ok(b, "dm:fetch", { before: ids[4] ?? "", limit: 3 });
    expect(older.messages.map((message) => message.id)).toEqual(ids.slice(1, 4));
    expect(older.more).toBe(true);
    const oldest = await ok(b, "dm:fetch", { before: ids[1] ?? "", limit: 3 });
    expect(oldest).toMatchObject({ more: false });
    expect(oldest.messages.map((message) => message.id)).toEqual(ids.slice(0, 1));
  });

  it("after an id: what came since, oldest first, `limit` at a time", async () => {
    const app = await startInProcessApp({ settings: fast });
    const { a, b } = await pair(app);
    const ids = await exchange(a, 6);
    const first = await ok(b, "dm:fetch", { after: ids[0] ?? "", limit: 3 });
    expect(first.messages.map((message) => message.id)).toEqual(ids.slice(1, 4));
    expect(first.more).toBe(true);
    const rest = await ok(b, "dm:fetch", { after: ids[3] ?? "", limit: 3 });
    expect(rest.messages.map((message) => message.id)).toEqual(ids.slice(4));
    expect(rest.more).toBe(false);
    expect(await ok(b, "dm:fetch", { after: ids[5] ?? "" })).toEqual({ messages: [], more: false });
  });

  it(`after an id without a limit: up to ${limits.resumeMaxLength} at once`, async () => {
    const app = await startInProcessApp({ settings: fast });
    const { a, b } = await pair(app);
    const first = await ok(a, "dm:send", { to: "B", text: "seen" });
    const texts = Array.from({ length: limits.resumeMaxLength + 1 }, (_, i) => `missed ${i}`);
    await Promise.all(texts.map((text) => ok(a, "dm:send", { to: "B", text })));
    const page = await ok(b, "dm:fetch", { after: first.id });
    expect(page.more).toBe(true);
    expect(page.messages.map((message) => message.text)).toEqual(texts.slice(0, limits.resumeMaxLength));
  });

  it("refuses after and before together with invalid_payload", async () => {
    const app = await startInProcessApp();
    const { a } = await pair(app);
    const { id } = await ok(a, "dm:send", { to: "B", text: "one" });
    expect(await refused(a, "dm:fetch", { after: id, before: id })).toEqual({
      code: "invalid_payload",
      message: "give either after or before, not both",
    });
  });

  it(`refuses a limit above ${limits.resumeMaxLength} or below 1 with invalid_payload naming the limit`, async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    for (const limit of [0, limits.resumeMaxLength + 1, 1.5]) {
      const error = await refused(a, "dm:fetch", { limit });
      expect(error.code).toBe("invalid_payload");
      expect(error.issues?.map((issue) => issue.path)).toEqual([[0, "limit"]]);
    }
  });
});
