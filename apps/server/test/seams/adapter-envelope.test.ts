import { randomBytes } from "node:crypto";
import type { ChatMessage, DirectMessage } from "@chat/protocol";
import { createClient, type RedisClientType } from "redis";
import { Server } from "socket.io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatServer } from "../../src/app/chat-socket.ts";
import { roomOf, userRoomOf } from "../../src/app/rooms.ts";
import { defaultRedisUrl } from "../../src/config.ts";
import { RedisMessageStore } from "../../src/messages/redis-message-store.ts";
import { adapterEnvelope, decodeAdapterBroadcast } from "../../src/seams/adapter-envelope.ts";
import { shardedRoomAdapter } from "../../src/seams/room-adapter.ts";
import { uniquePrefix } from "@chat/test-kit";
import { contains, observe, type Observer, type Published } from "../support/shard-observer.ts";

/*
 * Canary of seams/adapter-envelope.ts: the posting scripts write the sharded adapter's wire
 * message by hand. Here the real adapter (@socket.io/redis-adapter's, as the app sets it up)
 * publishes the same event to the same room with the same exception, and the two
 * publications must be the same bytes on the same channel, but for the publisher's uid. An
 * upgrade that changes the adapter's message (a type number, a key, their order, the
 * channel) fails here.
 */

const unique = (what: string) => `${what}-${randomBytes(4).toString("hex")}`;

describe("the posting scripts publish what the sharded adapter itself publishes", () => {
  const prefix = uniquePrefix();
  const clients: RedisClientType[] = [];
  let store: RedisMessageStore;
  let io: ChatServer;
  let adapterUid: string;
  let observer: Observer;
  const room = unique("envelope");
  const [from, to] = [unique("A"), unique("B")];
  const channels = {
    room: `${prefix}#/#${roomOf(room)}#`,
    namespace: `${prefix}#/#`,
    // Where the adapter would put a user's room without the app's channel choice: it must stay quiet.
    userRoom: `${prefix}#/#${userRoomOf(to)}#`,
  };

  const connected = async () => {
    const client: RedisClientType = createClient({ url: defaultRedisUrl });
    client.on("error", () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const [pub, sub] = [await connected(), await connected()];
    store = new RedisMessageStore(pub, prefix, adapterEnvelope);
    io = new Server({ adapter: shardedRoomAdapter({ pub, sub, subscriptionsSettled: async () => {} }, prefix) });
    adapterUid = (io.of("/").adapter as unknown as { uid: string }).uid;
    observer = await observe({ sharded: Object.values(channels) });
  });
  afterAll(async () => {
    await observer?.close();
    // Never attached to an HTTP server: closing its adapter lets go of the subscriptions.
    await io?.of("/").adapter.close();
    const keys = await clients[0]?.keys(`${prefix}:*`);
    if (keys !== undefined && keys.length > 0) await clients[0]?.del(keys);
    await Promise.all(clients.map((client) => client.close()));
  });

  /** The first publication holding `text` after `count` already seen. */
  const next = async (text: string, count = 0): Promise<Published> => {
    await observer.waitFor((seen) => contains(text)(seen) && observer.seen.filter(contains(text)).length > count);
    const found = observer.seen.filter(contains(text))[count];
    if (found === undefined) throw new Error("unreachable: waited for it");
    return found;
  };

  /** The adapter's publication with its uid put back to the one the scripts use. */
  const asScripts = (published: Published) => ({
    channel: published.channel,
    payload: published.payload.toString("utf8").replace(JSON.stringify(adapterUid), JSON.stringify(adapterEnvelope.uid)),
  });
  const asText = (published: Published) => ({ channel: published.channel, payload: published.payload.toString("utf8") });

  it("a uid of its own, which the adapter carries too", () => {
    expect(adapterUid).toMatch(/^[0-9a-f]{16}$/);
    expect(adapterUid).not.toBe(adapterEnvelope.uid);
  });

  it("message:new: `io.to(room).except(sid).emit(...)`", async () => {
    const text = unique("alone");
    await store.postToRoom({ room, from, text, clientId: `cid${randomBytes(6).toString("hex")}`, senderSocket: "sender-socket" });
    const scripts = await next(text);
    const [, message] = decodeAdapterBroadcast(scripts.payload).data.packet.data as [string, ChatMessage];
    io.to(roomOf(room)).except("sender-socket").emit("message:new", message);
    const adapter = await next(text, 1);
    expect(decodeAdapterBroadcast(adapter.payload)).toEqual({ ...decodeAdapterBroadcast(scripts.payload), uid: adapterUid });
    expect(asScripts(adapter)).toEqual(asText(scripts));
    expect(scripts.channel).toBe(channels.room);
  });

  it("message:batch: `io.to(room).emit(...)` with an array", async () => {
    const texts = [unique("one"), unique("two"), unique("three")];
    await Promise.all(
      texts.map((text) => store.postToRoom({ room, from, text, clientId: undefined, senderSocket: "sender-socket" })),
    );
    const scripts = await next(texts[2] ?? "");
    const [event, batch] = decodeAdapterBroadcast(scripts.payload).data.packet.data as [string, ChatMessage[]];
    expect(event).toBe("message:batch");
    io.to(roomOf(room)).emit("message:batch", batch);
    const adapter = await next(texts[2] ?? "", 1);
    expect(asScripts(adapter)).toEqual(asText(scripts));
  });

  it("dm:new: `io.to(userRoom).except(sid).emit(...)`, on the namespace's channel", async () => {
    const text = unique("direct");
    await store.postDirect({ from, to, text, clientId: undefined, senderSocket: "sender-socket" });
    const toRecipient = await next(text);
    const toSender = await next(text, 1);
    const [, received] = decodeAdapterBroadcast(toRecipient.payload).data.packet.data as [string, DirectMessage];
    const [, sent] = decodeAdapterBroadcast(toSender.payload).data.packet.data as [string, DirectMessage];
    io.to(userRoomOf(to)).emit("dm:new", received);
    io.to(userRoomOf(from)).except("sender-socket").emit("dm:new", sent);
    expect(asScripts(await next(text, 2))).toEqual(asText(toRecipient));
    expect(asScripts(await next(text, 3))).toEqual(asText(toSender));
    expect(toRecipient.channel).toBe(channels.namespace);
    expect(observer.seen.filter(({ channel }) => channel === channels.userRoom)).toEqual([]);
  });
});
