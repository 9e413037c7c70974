import { randomBytes } from "node:crypto";
import { ChatMessage, DirectMessage, InboxPage, RoomPage, serverEvents, type ServerEventArgs, type ServerEventName } from "@chat/protocol";
import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomOf, userRoomOf } from "../../src/app/rooms.ts";
import { defaultRedisUrl } from "../../src/config.ts";
import { MemoryMessageStore } from "../../src/messages/memory-message-store.ts";
import { chatMessageFields, directMessageFields } from "../../src/messages/message-fields.ts";
import { RedisMessageStore } from "../../src/messages/redis-message-store.ts";
import { adapterEnvelope, decodeAdapterBroadcast } from "../../src/seams/adapter-envelope.ts";
import { uniquePrefix } from "@chat/test-kit";
import { contains, observe, type Observer, type Published } from "../support/shard-observer.ts";

/*
 * The contract between every writer of a message and the protocol: what a subscriber of the
 * adapter's channels receives from the posting scripts, what the stream readers return and
 * what the memory store delivers and returns all pass the protocol's (strict) schemas, and a
 * message posted with every field carries every field of the schema. A field added to
 * `ChatMessage` or `DirectMessage` fails here until every writer writes it.
 */

const schemaFields = (schema: typeof ChatMessage | typeof DirectMessage) => Object.keys(schema.shape).sort();
const unique = (what: string) => `${what}-${randomBytes(4).toString("hex")}`;
const clientIdOf = () => `cid${randomBytes(6).toString("hex")}`;

/** The event a publication delivers, its argument checked against the event's schema. */
function eventOf<E extends ServerEventName>(published: Published, event: E) {
  const broadcast = decodeAdapterBroadcast(published.payload);
  const [name, ...args] = broadcast.data.packet.data;
  expect(name).toBe(event);
  // Each event's schema parses to its own arguments; TypeScript cannot follow a generic `E` there.
  return { broadcast, args: serverEvents[event].parse(args) as ServerEventArgs<E> };
}

describe("the message fields' one definition", () => {
  it("names every field of the protocol's ChatMessage and DirectMessage, and no other", () => {
    expect(Object.keys(chatMessageFields).sort()).toEqual(schemaFields(ChatMessage));
    expect(Object.keys(directMessageFields).sort()).toEqual(schemaFields(DirectMessage));
  });
});

describe("what the posting scripts publish and the stream readers return", () => {
  const prefix = uniquePrefix();
  let redis: RedisClientType;
  let store: RedisMessageStore;
  let observer: Observer;
  const room = unique("contract");
  const roomChannel = `${prefix}#/#${roomOf(room)}#`;
  const namespaceChannel = `${prefix}#/#`;

  beforeAll(async () => {
    redis = createClient({ url: defaultRedisUrl });
    redis.on("error", () => undefined);
    await redis.connect();
    store = new RedisMessageStore(redis, prefix, adapterEnvelope);
    observer = await observe({ sharded: [roomChannel, namespaceChannel] });
  });
  afterAll(async () => {
    await observer?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis?.close();
  });

  it("message:new: one post, with every field, reaches the room's channel as the schema's message", async () => {
    const text = unique("alone");
    const clientId = clientIdOf();
    const posted = await store.postToRoom({ room, from: "A", text, clientId, senderSocket: "socket-of-A" });
    const published = await observer.waitFor(contains(text));
    expect(published.channel).toBe(roomChannel);
    const { broadcast, args } = eventOf(published, "message:new");
    expect(broadcast.data.opts).toEqual({ rooms: [roomOf(room)], except: ["socket-of-A"], flags: {} });
    const [message] = args;
    expect(Object.keys(message).sort()).toEqual(schemaFields(ChatMessage));
    expect(message).toEqual({ ...posted, room, from: "A", text, clientId });

    const page = RoomPage.parse({ room, ...(await store.readRoom(room, { before: undefined, limit: 10 })) });
    expect(page.messages.find((read) => read.id === posted.id)).toEqual(message);
  });

  it("message:new without a clientId: no clientId, read back alike", async () => {
    const text = unique("bare");
    const posted = await store.postToRoom({ room, from: "B", text, clientId: undefined, senderSocket: "socket-of-B" });
    const [message] = eventOf(await observer.waitFor(contains(text)), "message:new").args;
    expect(message).toEqual({ ...posted, room, from: "B", text });
    const page = RoomPage.parse({ room, ...(await store.readRoom(room, { before: undefined, limit: 10 })) });
    expect(page.messages.find((read) => read.id === posted.id)).toEqual(message);
  });

  it("message:batch: posts queued behind one in flight go out as one array of the schema's messages", async () => {
    const texts = [unique("first"), unique("second"), unique("third")];
    const posted = await Promise.all(
      texts.map((text, i) =>
        store.postToRoom({ room, from: "C", text, clientId: i === 2 ? undefined : clientIdOf(), senderSocket: `socket-${i}` }),
      ),
    );
    const published = await observer.waitFor(contains(texts[2] ?? ""));
    expect(published.channel).toBe(roomChannel);
    const { broadcast, args } = eventOf(published, "message:batch");
    // Every member gets a batch, its senders included.
    expect(broadcast.data.opts).toEqual({ rooms: [roomOf(room)], except: [], flags: {} });
    const [batch] = args;
    expect(batch.map(({ text }) => text)).toEqual(texts.slice(1));
    expect(batch.map(({ id }) => id)).toEqual(posted.slice(1).map(({ id }) => id));
    const page = RoomPage.parse({ room, ...(await store.readRoom(room, { after: posted[0]?.id ?? "0-0", limit: 10 })) });
    expect(page.messages).toEqual(batch);
  });

  it("dm:new: both copies reach the namespace's channel as the schema's message, and read back alike from both inboxes", async () => {
    const [from, to] = [unique("A"), unique("B")];
    const text = unique("direct");
    const clientId = clientIdOf();
    const posted = await store.postDirect({ from, to, text, clientId, senderSocket: "socket-of-sender" });
    await observer.waitFor((seen) => contains(text)(seen) && seen.payload.includes(Buffer.from(userRoomOf(from))));
    const copies = observer.seen.filter(contains(text));
    expect(copies.map(({ channel }) => channel)).toEqual([namespaceChannel, namespaceChannel]);
    const [toCopy, fromCopy] = copies.map((published) => eventOf(published, "dm:new"));
    expect(toCopy?.broadcast.data.opts).toEqual({ rooms: [userRoomOf(to)], except: [], flags: {} });
    expect(fromCopy?.broadcast.data.opts).toEqual({ rooms: [userRoomOf(from)], except: ["socket-of-sender"], flags: {} });
    const [sent] = fromCopy?.args ?? [];
    expect(Object.keys(sent ?? {}).sort()).toEqual(schemaFields(DirectMessage));
    expect(sent).toEqual({ ...posted, from, to, text, clientId });

    const senderInbox = InboxPage.parse(await store.readInbox(from, { before: undefined, limit: 10 }));
    const recipientInbox = InboxPage.parse(await store.readInbox(to, { before: undefined, limit: 10 }));
    expect(senderInbox.messages).toEqual([sent]);
    expect(recipientInbox.messages).toEqual(toCopy?.args);
  });

  it("dm:new without a clientId, and a note to oneself (one copy)", async () => {
    const from = unique("A");
    const text = unique("note");
    const posted = await store.postDirect({ from, to: from, text, clientId: undefined, senderSocket: "socket-of-self" });
    const [message] = eventOf(await observer.waitFor(contains(text)), "dm:new").args;
    expect(message).toEqual({ ...posted, from, to: from, text });
    expect(InboxPage.parse(await store.readInbox(from, { before: undefined, limit: 10 })).messages).toEqual([message]);
  });
});

describe("what the memory store delivers and returns", () => {
  const delivered: { event: "message:new" | "dm:new"; socketRoom: string; except: string; message: unknown }[] = [];
  const store = new MemoryMessageStore({
    room: (socketRoom, except, message) => delivered.push({ event: "message:new", socketRoom, except, message }),
    direct: (socketRoom, except, message) => delivered.push({ event: "dm:new", socketRoom, except, message }),
  });

  it("room messages, with every field and without a clientId, pass the schema as delivered and as read", async () => {
    const room = unique("memory");
    const clientId = clientIdOf();
    const first = await store.postToRoom({ room, from: "A", text: "with id", clientId, senderSocket: "s1" });
    const second = await store.postToRoom({ room, from: "B", text: "without", clientId: undefined, senderSocket: "s2" });
    const messages = delivered.splice(0).map(({ event, message }) => serverEvents[event as "message:new"].parse([message])[0]);
    expect(Object.keys(messages[0] ?? {}).sort()).toEqual(schemaFields(ChatMessage));
    expect(messages).toEqual([
      { ...first, room, from: "A", text: "with id", clientId },
      { ...second, room, from: "B", text: "without" },
    ]);
    expect(RoomPage.parse({ room, ...(await store.readRoom(room, { before: undefined, limit: 10 })) }).messages).toEqual(messages);
  });

  it("direct messages pass the schema as delivered and as read", async () => {
    const clientId = clientIdOf();
    const posted = await store.postDirect({ from: "A", to: "B", text: "hello", clientId, senderSocket: "s1" });
    const messages = delivered.splice(0).map(({ event, message }) => serverEvents[event as "dm:new"].parse([message])[0]);
    const expected = { ...posted, from: "A", to: "B", text: "hello", clientId };
    expect(Object.keys(messages[0] ?? {}).sort()).toEqual(schemaFields(DirectMessage));
    expect(messages).toEqual([expected, expected]);
    expect(InboxPage.parse(await store.readInbox("B", { before: undefined, limit: 10 })).messages).toEqual([expected]);
  });
});
