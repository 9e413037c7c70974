import { limits, type ChatMessage, type DirectMessage } from "@chat/protocol";
import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../../src/config.ts";
import { MemoryMessageStore } from "../../src/messages/memory-message-store.ts";
import { ClientIdReusedError, defaultRetention, type MessageStore, type Retention } from "../../src/messages/message-store.ts";
import { RedisMessageStore } from "../../src/messages/redis-message-store.ts";
import { adapterEnvelope } from "../../src/seams/adapter-envelope.ts";
import { uniquePrefix } from "@chat/test-kit";
import { unique } from "../support/topology.ts";

/**
 * One behaviour suite, run against the memory store and the Redis store (real Redis, a
 * prefix of its own): a clientId reused with other text, and pages bounded in bytes.
 */
const prefix = uniquePrefix();
let redis: RedisClientType;
beforeAll(async () => {
  redis = createClient({ url: defaultRedisUrl });
  await redis.connect();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(keys);
  await redis.close();
});

/** What the store delivered, as a member of every room and every user would receive it. */
const delivered: { room: ChatMessage[]; direct: DirectMessage[] } = { room: [], direct: [] };

describe.each([
  { kind: "memory", create: (retention: Retention = defaultRetention): MessageStore => new MemoryMessageStore({
    room: (_room, _except, message) => void delivered.room.push(message),
    direct: (_room, _except, message) => void delivered.direct.push(message),
  }, retention) },
  { kind: "redis", create: (retention: Retention = defaultRetention): MessageStore => new RedisMessageStore(redis, prefix, adapterEnvelope, { retention }) },
])("the $kind message store", ({ create }) => {
  let store: MessageStore;
  beforeAll(() => {
    store = create();
  });
  const post = (room: string, text: string, clientId?: string) =>
    store.postToRoom({ room, from: "ann", text, clientId, senderSocket: "s1" });
  const tell = (text: string, clientId?: string) =>
    store.postDirect({ from: "ann", to: "ben", text, clientId, senderSocket: "s1" });

  it("a room post that reuses a clientId with other text is refused and stores nothing; the same text is a retry", async () => {
    const room = unique("reuse");
    const clientId = unique("client");
    const first = await post(room, "first", clientId);
    await expect(post(room, "second", clientId)).rejects.toBeInstanceOf(ClientIdReusedError);
    expect(await post(room, "first", clientId)).toEqual(first);
    const page = await store.readRoom(room, { before: undefined, limit: 10 });
    expect(page.messages.map((message) => message.text)).toEqual(["first"]);
  });

  it("a direct post that reuses a clientId with other text is refused, and found only with its own text", async () => {
    const clientId = unique("client");
    const first = await tell("first DM", clientId);
    await expect(tell("second DM", clientId)).rejects.toBeInstanceOf(ClientIdReusedError);
    await expect(store.findDirect("ann", clientId, "second DM")).rejects.toBeInstanceOf(ClientIdReusedError);
    expect(await store.findDirect("ann", clientId, "first DM")).toEqual(first);
    expect(await tell("first DM", clientId)).toEqual(first);
    const inbox = await store.readInbox("ben", { before: undefined, limit: 100 });
    expect(inbox.messages.filter((message) => message.clientId === clientId).map((message) => message.text)).toEqual(["first DM"]);
  });

  it("pages hold at most pageMaxBytes of text, at least one message, and say there is more", async () => {
    const room = unique("bytes");
    const line = (i: number) => `${String(i).padStart(3, "0")} ${"€".repeat(1990)}`;
    for (let i = 0; i < 40; i++) await post(room, line(i));
    const perPage = Math.floor(limits.pageMaxBytes / Buffer.byteLength(line(0)));
    const latest = await store.readRoom(room, { before: undefined, limit: 100 });
    expect(latest.messages.map((message) => message.text)).toEqual(Array.from({ length: perPage }, (_, i) => line(40 - perPage + i)));
    expect(latest.more).toBe(true);
    const first = await store.readRoom(room, { after: "0-0", limit: 500 });
    expect(first.messages.map((message) => message.text)).toEqual(Array.from({ length: perPage }, (_, i) => line(i)));
    expect(first.more).toBe(true);
    // Paging on reaches every message once, in order.
    const all: string[] = [];
    for (let after = "0-0", pages = 0; pages < 40; pages++) {
      const page = await store.readRoom(room, { after, limit: 500 });
      all.push(...page.messages.map((message) => message.text));
      const last = page.messages.at(-1);
      if (!page.more || last === undefined) break;
      after = last.id;
    }
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => line(i)));
  });

  it("pages are cut from what retention keeps: messages past HISTORY_MAX_AGE take no room in them", async () => {
    const maxAgeMs = 1_500;
    const kept = create({ ...defaultRetention, maxAgeMs });
    const room = unique("kept");
    const line = (stem: string, i: number) => `${stem} ${String(i).padStart(3, "0")} ${"€".repeat(1990)}`;
    const say = (text: string) => kept.postToRoom({ room, from: "ann", text, clientId: undefined, senderSocket: "s1" });
    for (let i = 0; i < 5; i++) await say(line("old", i));
    await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 200));
    for (let i = 0; i < 30; i++) await say(line("new", i));
    const perPage = Math.floor(limits.pageMaxBytes / Buffer.byteLength(line("new", 0)));
    const fresh = Array.from({ length: 30 }, (_, i) => line("new", i));
    const first = await kept.readRoom(room, { after: "0-0", limit: 500 });
    expect(first).toEqual({ messages: expect.any(Array), more: true });
    expect(first.messages.map((message) => message.text)).toEqual(fresh.slice(0, perPage));
    const latest = await kept.readRoom(room, { before: undefined, limit: 100 });
    expect(latest.messages.map((message) => message.text)).toEqual(fresh.slice(-perPage));
    // Paging back from the oldest kept message finds nothing older: the old ones are gone.
    const before = await kept.readRoom(room, { before: first.messages[0]?.id ?? "", limit: 100 });
    expect(before).toEqual({ messages: [], more: false });
  });
});
