import { describe, expect, it } from "vitest";
import { MemoryRoomQuota } from "../src/limits/room-quota.ts";
import { MemoryRoomRegistry } from "../src/membership/memory-room-registry.ts";
import { MemoryMessageStore } from "../src/messages/memory-message-store.ts";
import { sleep } from "@chat/test-kit";

/** The single process's twins of the Redis stores: what the memory app runs on without Redis. */
describe("the memory message store's retention", () => {
  const delivered: string[] = [];
  const store = (maxAgeMs: number, idleTtlMs: number) =>
    new MemoryMessageStore(
      { room: (_room, _except, message) => delivered.push(message.text), direct: () => undefined },
      { maxAgeMs, idleTtlMs },
    );
  const post = (into: MemoryMessageStore, room: string, text: string) =>
    into.postToRoom({ room, from: "A", text, clientId: undefined, senderSocket: "s" });

  it("forgets an idle room once ROOM_IDLE_TTL has passed since its last post, and each post renews it", async () => {
    // Bounds with room to spare: a busy machine only makes sleeps longer, and 1200 + 1200 is past the TTL only if renewed.
    const rooms = store(60_000, 2000);
    await post(rooms, "quiet", "one");
    expect(await rooms.hasRoom("quiet")).toBe(true);
    await sleep(1200);
    await post(rooms, "quiet", "two");
    await sleep(1200);
    expect(await rooms.hasRoom("quiet")).toBe(true);
    expect((await rooms.readRoom("quiet", { before: undefined, limit: 10 })).messages.map((m) => m.text)).toEqual(["one", "two"]);
    await sleep(2100);
    expect(await rooms.hasRoom("quiet")).toBe(false);
    expect((await rooms.readRoom("quiet", { before: undefined, limit: 10 })).messages).toEqual([]);
    expect(delivered).toEqual(["one", "two"]);
  });

  it("shows no message older than HISTORY_MAX_AGE, in either direction of reading", async () => {
    const rooms = store(300, 60_000);
    await post(rooms, "aging", "old");
    await sleep(400);
    await post(rooms, "aging", "new");
    expect((await rooms.readRoom("aging", { before: undefined, limit: 10 })).messages.map((m) => m.text)).toEqual(["new"]);
    expect((await rooms.readRoom("aging", { after: "0-0", limit: 10 })).messages.map((m) => m.text)).toEqual(["new"]);
  });
});

describe("the memory room registry and room allowance", () => {
  it("a private room: its creator and invitees are members; leaving ends it; the name stays private", async () => {
    const registry = new MemoryRoomRegistry();
    expect(await registry.access("den", "A")).toBe("public");
    expect(await registry.createPrivate("den", "A")).toBe(true);
    expect(await registry.createPrivate("den", "B")).toBe(false);
    expect(await registry.invite("den", "B", "C")).toBe("stranger");
    expect(await registry.invite("den", "A", "B")).toBe("invited");
    expect(await registry.invite("open", "A", "B")).toBe("public");
    expect(await registry.roomsOf("B")).toEqual(["den"]);
    expect(await registry.leave("den", "B")).toBe(true);
    expect(await registry.access("den", "B")).toBe("stranger");
    expect(await registry.leave("den", "A")).toBe(true);
    expect(await registry.access("den", "A")).toBe("stranger");
  });

  it("counts each room once a day, refuses past the allowance, and starts afresh the next UTC day", async () => {
    let now = Date.UTC(2026, 0, 1, 23, 59);
    const quota = new MemoryRoomQuota(2, () => now);
    expect(await quota.claim("A", "r1")).toBe(true);
    expect(await quota.claim("A", "r1")).toBe(true);
    expect(await quota.claim("A", "r2")).toBe(true);
    expect(await quota.claim("A", "r3")).toBe(false);
    expect(await quota.claim("B", "r3")).toBe(true);
    now += 2 * 60_000;
    expect(await quota.claim("A", "r3")).toBe(true);
  });
});
