import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../src/config.ts";
import { clientsOnDifferentWorkers, type RunningServer, startServer, type TestClient } from "@chat/test-kit";
import { settle } from "./support/ops.ts";
import { ok, request, tell } from "./support/requests.ts";
import { contains, observe } from "./support/shard-observer.ts";
import { inbox, sendLine } from "./support/wire.ts";

type RedisClient = ReturnType<typeof createClient>;

/** The exact channel name, with the regex characters of the prefix escaped. */
const escape = (value: string) => value.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

describe("the sharded Redis adapter's channels, seen from Redis", () => {
  let server: RunningServer;
  let plain: RedisClient;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    plain = createClient({ url: defaultRedisUrl });
    plain.on("error", () => undefined);
    await plain.connect();
  }, 60_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await plain?.close();
    await server?.stop();
  }, 60_000);

  /** How many connections hold each of `channels` with SSUBSCRIBE. */
  const holders = async (...channels: string[]) => ({ ...(await plain.PUBSUB_SHARDNUMSUB(channels)) });
  /** Polls until the holders of `channel` are `count`; the adapter (un)subscribes without waiting. */
  const settleHolders = async (channel: string, count: number) =>
    (await settle(() => holders(channel), (held) => held[channel] === count))[channel];

  it("with no clients: each worker holds the namespace's channel and its own response channel, nothing classic", async () => {
    const { prefix } = server;
    const namespaceChannel = `${prefix}#/#`;
    const channels = await plain.PUBSUB_SHARDCHANNELS(`${prefix}*`);
    // `<prefix>#/#<uid>#`: the uid is 16 hex digits, a different one a worker.
    const own = channels.filter((channel) => new RegExp(`^${escape(namespaceChannel)}[0-9a-f]{16}#$`).test(channel));
    expect(own).toHaveLength(2);
    expect(channels.sort()).toEqual([namespaceChannel, ...own].sort());
    expect(await holders(namespaceChannel, ...own)).toEqual({ [namespaceChannel]: 2, [own[0] ?? ""]: 1, [own[1] ?? ""]: 1 });

    // None of the classic adapter's channels or its pattern: a PUBLISH on a room's classic
    // channel reaches no one.
    expect(await plain.PUBSUB_CHANNELS(`${prefix}*`)).toEqual([]);
    expect(await plain.publish(`${prefix}#/#room:{lobby}#`, "probe")).toBe(0);
  });

  it("a worker holds a room's channel while it has members in the room, and only then", async () => {
    const { prefix } = server;
    const channelOf = (socketRoom: string) => `${prefix}#/#${socketRoom}#`;
    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
    extra.forEach((client) => client.close());

    // Everyone is in the lobby: A and B on their workers.
    expect(await settleHolders(channelOf("room:{lobby}"), 2)).toBe(2);
    // Neither a socket's own room nor a user's (direct messages) gets a channel: both go
    // over the namespace's, which each worker holds already.
    expect(await holders(channelOf(a.id ?? "-"), channelOf(b.id ?? "-"), channelOf("user:A"), channelOf("user:B"))).toEqual({
      [channelOf(a.id ?? "-")]: 0,
      [channelOf(b.id ?? "-")]: 0,
      [channelOf("user:A")]: 0,
      [channelOf("user:B")]: 0,
    });

    const room = `side-${randomBytes(4).toString("hex")}`;
    const channel = channelOf(`room:{${room}}`);
    expect(await holders(channel)).toEqual({ [channel]: 0 });
    // A join is answered once the worker holds the room's channel.
    await ok(a, "room:join", { room });
    expect(await holders(channel)).toEqual({ [channel]: 1 });
    await ok(b, "room:join", { room });
    expect(await holders(channel)).toEqual({ [channel]: 2 });
    await ok(a, "room:leave", { room });
    expect(await settleHolders(channel, 1)).toBe(1);
    await ok(b, "room:leave", { room });
    expect(await settleHolders(channel, 0)).toBe(0);
    expect(await plain.PUBSUB_SHARDCHANNELS(channel)).toEqual([]);
  });

  it("a room its only member on a worker leaves and joins again at once keeps reaching that member", async () => {
    const { prefix } = server;
    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
    extra.forEach((client) => client.close());
    const room = `again-${randomBytes(4).toString("hex")}`;
    const channel = `${prefix}#/#room:{${room}}#`;
    await ok(b, "room:join", { room });
    await ok(a, "room:join", { room });
    // Both requests in one go: the join reaches A's worker before Redis has answered the
    // unsubscribe that A's leaving sent, the room having had no other member there.
    for (let round = 0; round < 5; round++) {
      const [left, joined] = await Promise.all([request(a, "room:leave", { room }), request(a, "room:join", { room })]);
      expect([left.ok, joined.ok]).toEqual([true, true]);
    }
    expect(await holders(channel)).toEqual({ [channel]: 2 });
    const atA = inbox(a);
    const text = `after rejoining ${randomBytes(4).toString("hex")}`;
    await sendLine(b, text, room);
    expect(await atA.waitForText(text)).toMatchObject({ room, from: "B" });
  });

  it("a chat line is SPUBLISHed once, as the adapter's own broadcast, on the room's channel `<prefix>#/#room:{lobby}#`", async () => {
    const { prefix } = server;
    const lobbyChannel = `${prefix}#/#room:{lobby}#`;
    const sharded = await observe({ sharded: [lobbyChannel] });
    const classic = await observe({ pattern: `${prefix}*` });
    try {
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      clients.push(a, b, ...extra);
      extra.forEach((client) => client.close());
      const atB = inbox(b);
      const text = `over redis ${randomBytes(4).toString("hex")}`;
      await sendLine(a, text);
      const published = await sharded.waitFor(contains(text));
      const delivered = await atB.waitForText(text);
      expect(published.channel).toBe(lobbyChannel);
      // What the sharded adapter publishes for `io.to("room:{lobby}").except(<A's socket>).emit(
      // "message:new", message)`, in its JSON form, with a uid that is no worker's.
      expect(JSON.parse(published.payload.toString("utf8"))).toEqual({
        type: 3,
        data: {
          packet: { type: 2, data: ["message:new", delivered] },
          opts: { rooms: ["room:{lobby}"], except: [a.id], flags: {} },
        },
        uid: "chat-store",
        nsp: "/",
      });

      // A second line from the same worker is published after the first: once it is seen, any
      // second copy of the first would have been seen too.
      const next = `over redis, second ${randomBytes(4).toString("hex")}`;
      await sendLine(a, next);
      await sharded.waitFor(contains(next));
      expect(sharded.seen.filter(contains(text))).toHaveLength(1);
      expect(sharded.seen.filter(contains(next)).map(({ channel }) => channel)).toEqual([lobbyChannel]);
      await atB.waitForText(next);
      expect(atB.texts()).toEqual([text, next]);
      // Nothing on the classic channels.
      expect(classic.seen).toEqual([]);
    } finally {
      await sharded.close();
      await classic.close();
    }
  });
  it("a direct message is SPUBLISHed once, on the namespace's channel `<prefix>#/#`, and reaches the other worker", async () => {
    const { prefix } = server;
    const namespaceChannel = `${prefix}#/#`;
    const sharded = await observe({ sharded: [namespaceChannel, `${prefix}#/#user:B#`] });
    try {
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      clients.push(a, b, ...extra);
      extra.forEach((client) => client.close());
      const text = `direct ${randomBytes(4).toString("hex")}`;
      const delivered = new Promise<unknown>((resolve) => b.on("dm:new", (message) => message.text === text && resolve(message)));
      await tell(a, "B", text);
      const published = await sharded.waitFor(contains(text));
      const message = await delivered;
      expect(published.channel).toBe(namespaceChannel);
      expect(JSON.parse(published.payload.toString("utf8"))).toEqual({
        type: 3,
        data: { packet: { type: 2, data: ["dm:new", message] }, opts: { rooms: ["user:B"], except: [], flags: {} } },
        uid: "chat-store",
        nsp: "/",
      });
      // B's copy, then A's own (to A's other sessions): nothing on a channel of B's name.
      await sharded.waitFor((seen) => contains(text)(seen) && seen.payload.includes(Buffer.from('"rooms":["user:A"]')));
      expect(sharded.seen.filter(contains(text)).map(({ channel }) => channel)).toEqual([namespaceChannel, namespaceChannel]);
    } finally {
      await sharded.close();
    }
  });
});

describe("the default prefix", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2, prefix: "socket.io" });
  }, 60_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 60_000);

  it("uses the sharded adapter's standard layout `socket.io#/#…` that other Socket.IO tools expect", async () => {
    expect(server.lines.some((line) => line.includes("(prefix socket.io)"))).toBe(true);
    const observer = await observe({ sharded: ["socket.io#/#room:{lobby}#"] });
    try {
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      clients.push(a, b, ...extra);
      extra.forEach((client) => client.close());
      const atB = inbox(b);
      // Other servers on the default prefix may share this Redis: only this unique text counts.
      const text = `default prefix ${randomBytes(8).toString("hex")}`;
      const id = await sendLine(a, text);
      const plain = createClient({ url: defaultRedisUrl });
      plain.on("error", () => undefined);
      await plain.connect();
      try {
        const published = await observer.waitFor(contains(text));
        expect(published.channel).toBe("socket.io#/#room:{lobby}#");
        expect((await atB.waitForText(text)).from).toBe("A");

        const channels = await plain.PUBSUB_SHARDCHANNELS("socket.io#/#*");
        expect(channels).toContain("socket.io#/#");
        expect(channels).toContain("socket.io#/#room:{lobby}#");
        const counts = await plain.PUBSUB_SHARDNUMSUB(["socket.io#/#", "socket.io#/#room:{lobby}#"]);
        expect(counts["socket.io#/#"]).toBeGreaterThanOrEqual(2);
        // Both workers, and this test's own observer.
        expect(counts["socket.io#/#room:{lobby}#"]).toBeGreaterThanOrEqual(3);
      } finally {
        // The line stays out of the lobby's history, which a server run on this machine with
        // the default prefix would show.
        await plain.xDel("socket.io:room:{lobby}:log", id);
        await plain.close();
      }
    } finally {
      await observer.close();
    }
  });
});
