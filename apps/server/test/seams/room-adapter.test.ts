import { randomBytes } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient, type RedisClientType } from "redis";
import { Server } from "socket.io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatApp } from "../../src/app/create-app.ts";
import { createRedisChatApp } from "../../src/app/redis-app.ts";
import { roomOf, userRoomOf } from "../../src/app/rooms.ts";
import { defaultRedisUrl, parseConfig } from "../../src/config.ts";
import { noMetrics } from "../../src/ops/metrics.ts";
import { connectRedis, type RedisClients } from "../../src/redis/clients.ts";
import { connectClient, uniquePrefix, waitFor, type TestClient } from "@chat/test-kit";
import { settle } from "../support/ops.ts";
import { ok } from "../support/requests.ts";
import { contains, observe } from "../support/shard-observer.ts";
import { inbox, sendLine } from "../support/wire.ts";

/*
 * Canary of seams/room-adapter.ts, which replaces two of the sharded adapter's own methods
 * (`computeChannel`, `shouldUseASeparateNamespace`), reads its `channel` and waits in
 * `addAll`. First the adapter as the package makes it: the methods are there and decide as
 * the seam expects. Then two in-process servers sharing Redis: a room's channel is held only
 * by the server with members in it, from the moment a join is answered; a user's room has no
 * channel of its own, and what is sent to it goes over the namespace's channel to the other
 * server. (test/redis-channels.test.ts checks the same layout on a real cluster, from the
 * chat events' side.)
 */

const silent = { info: () => {}, error: () => {} };
const unique = (what: string) => `${what}-${randomBytes(4).toString("hex")}`;

/** The sharded adapter's methods the seam replaces or reads, as the seam expects them. */
interface ChannelChoice {
  readonly channel: string;
  shouldUseASeparateNamespace(room: string): boolean;
  computeChannel(message: { type: number; data: { opts: { rooms: string[]; except: string[]; flags: object }; requestId?: string } }): string;
}

describe("the sharded adapter's own channel choice, as the package makes it", () => {
  const prefix = uniquePrefix();
  const clients: RedisClientType[] = [];
  let choice: ChannelChoice;
  let close: () => Promise<void>;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const client: RedisClientType = createClient({ url: defaultRedisUrl });
      client.on("error", () => undefined);
      await client.connect();
      clients.push(client);
    }
    const [pub, sub] = clients as [RedisClientType, RedisClientType];
    const io = new Server({ adapter: createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: "dynamic" }) });
    const adapter = io.of("/").adapter;
    choice = adapter as unknown as ChannelChoice;
    close = () => adapter.close() as Promise<void>;
  });
  afterAll(async () => {
    await close?.();
    await Promise.all(clients.map((client) => client.close()));
  });

  it("has the methods and field the seam replaces and reads", () => {
    expect(typeof choice.computeChannel).toBe("function");
    expect(choice.computeChannel.length).toBe(1);
    expect(typeof choice.shouldUseASeparateNamespace).toBe("function");
    expect(choice.shouldUseASeparateNamespace.length).toBe(1);
    expect(choice.channel).toBe(`${prefix}#/#`);
  });

  it("puts a broadcast to one room on the room's channel, anything else on the namespace's", () => {
    const broadcast = (rooms: string[], requestId?: string) => ({
      type: 3,
      data: { opts: { rooms, except: [], flags: {} }, ...(requestId === undefined ? {} : { requestId }) },
    });
    expect(choice.computeChannel(broadcast(["room:{lobby}"]))).toBe(`${prefix}#/#room:{lobby}#`);
    expect(choice.computeChannel(broadcast(["user:A"]))).toBe(`${prefix}#/#user:A#`);
    expect(choice.computeChannel(broadcast(["room:a", "room:b"]))).toBe(`${prefix}#/#`);
    expect(choice.computeChannel(broadcast(["room:{lobby}"], "request-1"))).toBe(`${prefix}#/#`);
  });

  it("gives every room but a socket's own a channel of its own", () => {
    expect(choice.shouldUseASeparateNamespace("room:lobby")).toBe(true);
    expect(choice.shouldUseASeparateNamespace("user:A")).toBe(true);
  });
});

describe("two servers joined by the app's room adapter", () => {
  const prefix = uniquePrefix();
  const servers: { http: HttpServer; redis: RedisClients; app: ChatApp; url: string }[] = [];
  const people: TestClient[] = [];
  let plain: RedisClientType;
  const channelOf = (socketRoom: string) => `${prefix}#/#${socketRoom}#`;
  /** How many connections hold each channel with SSUBSCRIBE. */
  const holders = async (...channels: string[]) => ({ ...(await plain.PUBSUB_SHARDNUMSUB(channels)) });

  beforeAll(async () => {
    const parsed = parseConfig({ REDIS_PREFIX: prefix }, []);
    if (parsed.help) throw new Error("unreachable: no --help given");
    for (let i = 0; i < 2; i++) {
      const http = createServer();
      const redis = await connectRedis(defaultRedisUrl, silent);
      const app = createRedisChatApp(http, redis, parsed.config, { log: silent, metrics: noMetrics });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      servers.push({ http, redis, app, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
    }
    plain = createClient({ url: defaultRedisUrl });
    plain.on("error", () => undefined);
    await plain.connect();
  });
  afterAll(async () => {
    people.forEach((person) => person.close());
    for (const { app, redis, http } of servers) {
      await app.close();
      await redis.close();
      http.closeAllConnections();
    }
    const keys = await plain?.keys(`${prefix}:*`);
    if (keys !== undefined && keys.length > 0) await plain.del(keys);
    await plain?.close();
  });

  const connect = async (server: number, name: string) => {
    const person = await connectClient(servers[server]?.url ?? "", name, { transports: ["websocket"] });
    people.push(person);
    return person;
  };

  it("a room's channel is held only where the room has members, from the moment a join is answered", async () => {
    const [a, b] = [await connect(0, unique("A")), await connect(1, unique("B"))];
    const room = unique("side");
    const channel = channelOf(roomOf(room));
    await ok(a, "room:join", { room });
    expect(await holders(channel)).toEqual({ [channel]: 1 });
    // Redis sends the room's traffic to the one server holding its channel.
    const observer = await observe({ sharded: [channel] });
    try {
      const text = unique("line");
      await sendLine(a, text, room);
      await observer.waitFor(contains(text));
    } finally {
      await observer.close();
    }
    await ok(b, "room:join", { room });
    expect(await holders(channel)).toEqual({ [channel]: 2 });
    // What is sent right after the join is answered reaches the new member.
    const atB = inbox(b);
    const text = unique("after join");
    await sendLine(a, text, room);
    expect(await atB.waitForText(text)).toMatchObject({ room, text });
    await ok(b, "room:leave", { room });
    expect((await settle(() => holders(channel), (held) => held[channel] === 1))[channel]).toBe(1);
  });

  it("a user's room has no channel: what is sent to it goes over the namespace's channel to the other server", async () => {
    const [aName, bName] = [unique("A"), unique("B")];
    const [, b] = [await connect(0, aName), await connect(1, bName)];
    expect(await holders(channelOf(userRoomOf(aName)), channelOf(userRoomOf(bName)))).toEqual({
      [channelOf(userRoomOf(aName))]: 0,
      [channelOf(userRoomOf(bName))]: 0,
    });
    const observer = await observe({ sharded: [`${prefix}#/#`, channelOf(userRoomOf(bName))] });
    try {
      const notice = waitFor(b, "sync:required");
      const reason = unique("told");
      servers[0]?.app.io.to(userRoomOf(bName)).emit("sync:required", { reason });
      const published = await observer.waitFor(contains(reason));
      expect(published.channel).toBe(`${prefix}#/#`);
      expect(await notice).toEqual([{ reason }]);
      expect(observer.seen.filter(({ channel }) => channel !== `${prefix}#/#`)).toEqual([]);
    } finally {
      await observer.close();
    }
  });
});
