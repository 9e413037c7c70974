import { randomBytes } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../../src/config.ts";
import { directReceivedKey, directSentKey, inboxKey } from "../../src/messages/message-keys.ts";
import { textDigest } from "../../src/messages/message-store.ts";
import { postScripts } from "../../src/messages/post-scripts.ts";
import { RedisMessageStore } from "../../src/messages/redis-message-store.ts";
import { adapterEnvelope } from "../../src/seams/adapter-envelope.ts";
import { uniquePrefix } from "@chat/test-kit";
import { contains, observe, type Observer } from "../support/shard-observer.ts";

/**
 * A direct message is stored in two steps (the sender's half, the recipient's half, each in
 * its user's slot) and then published. A process that dies between them leaves the post
 * unanswered; the client's retry with the same clientId finishes it: the recipient's copy is
 * stored once, both copies are published, and the answer is the first id. Once published,
 * a retry publishes nothing more.
 */
describe("a direct message interrupted between its steps, then retried", () => {
  const prefix = uniquePrefix();
  let redis: RedisClientType;
  let store: RedisMessageStore;
  let observer: Observer;
  const scripts = postScripts(adapterEnvelope);
  const unique = (what: string) => `${what}-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    redis = createClient({ url: defaultRedisUrl });
    await redis.connect();
    store = new RedisMessageStore(redis, prefix, adapterEnvelope);
    observer = await observe({ sharded: [`${prefix}#/#`] });
  });
  afterAll(async () => {
    await observer?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis?.quit();
  });

  /** The sender's half as a process runs it before it dies. */
  const senderHalf = async (from: string, to: string, text: string, clientId: string) =>
    (await scripts.postDirectSent.run(
      redis,
      [inboxKey(prefix, from), directSentKey(prefix, from, clientId)],
      ["1000", "60", textDigest(text), from, to, text, clientId],
    )) as [string, number, string, number];

  it("died after the sender's half: the retry stores the recipient's copy and publishes both, under the first id", async () => {
    const [from, to, text, clientId] = ["Ann", unique("Bob"), unique("half"), unique("cid")];
    const [firstId, fresh, sentAt] = await senderHalf(from, to, text, clientId);
    expect(fresh).toBe(1);
    expect(await redis.xLen(inboxKey(prefix, to))).toBe(0);
    // Not yet delivered: not an earlier answer for the handler to give back as it is.
    expect(await store.findDirect(from, clientId, text)).toBeUndefined();

    expect(await store.postDirect({ from, to, text, clientId, senderSocket: "sender" })).toEqual({ id: firstId, sentAt: Number(sentAt) });
    await observer.waitFor((seen) => contains(text)(seen) && seen.payload.includes(Buffer.from(`"rooms":["user:${from}"]`)));
    expect(observer.seen.filter(contains(text))).toHaveLength(2);
    expect(await redis.xLen(inboxKey(prefix, to))).toBe(1);
    expect(await store.findDirect(from, clientId, text)).toEqual({ id: firstId, sentAt: Number(sentAt) });

    // Delivered: another retry answers the same and publishes nothing.
    expect(await store.postDirect({ from, to, text, clientId, senderSocket: "sender" })).toEqual({ id: firstId, sentAt: Number(sentAt) });
    expect(await redis.xLen(inboxKey(prefix, to))).toBe(1);
    expect(await redis.xLen(inboxKey(prefix, from))).toBe(1);
    const probe = unique("probe");
    await store.postDirect({ from, to, text: probe, clientId: undefined, senderSocket: "sender" });
    await observer.waitFor(contains(probe));
    expect(observer.seen.filter(contains(text))).toHaveLength(2);
  });

  it("died after both halves, before publishing: the retry stores nothing more and publishes both copies under their ids", async () => {
    const [from, to, text, clientId] = ["Ann", unique("Cid"), unique("both"), unique("cid")];
    const [firstId, , sentAt] = await senderHalf(from, to, text, clientId);
    const [toId] = (await scripts.postDirectReceived.run(
      redis,
      [inboxKey(prefix, to), directReceivedKey(prefix, to, from, clientId)],
      ["1000", "60", sentAt, from, to, text, clientId],
    )) as [string, number];

    expect(await store.postDirect({ from, to, text, clientId, senderSocket: "sender" })).toEqual({ id: firstId, sentAt: Number(sentAt) });
    await observer.waitFor((seen) => contains(text)(seen) && seen.payload.includes(Buffer.from(`"rooms":["user:${from}"]`)));
    const ids = observer.seen.filter(contains(text)).map(({ payload }) => /"id":"([^"]+)"/.exec(payload.toString())?.[1]);
    expect(ids).toEqual([toId, firstId]);
    expect(await redis.xLen(inboxKey(prefix, to))).toBe(1);
  });

  it("a clientId reused with another recipient is refused, and nothing reaches the second", async () => {
    const [from, text, clientId] = ["Ann", unique("once"), unique("cid")];
    const [first, second] = [unique("Dan"), unique("Eve")];
    await store.postDirect({ from, to: first, text, clientId, senderSocket: "sender" });
    await expect(store.postDirect({ from, to: second, text, clientId, senderSocket: "sender" })).rejects.toThrow(clientId);
    expect(await redis.xLen(inboxKey(prefix, second))).toBe(0);
  });
});
