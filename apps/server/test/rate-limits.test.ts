import type { Ack, ErrorBody } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsOnDifferentWorkers,
  connectClient,
  type RedisServer,
  type RunningServer,
  sleep,
  startRedisServer,
  type TestClient,
  uniquePrefix,
} from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, request } from "./support/requests.ts";
import { startServerPatiently, unique } from "./support/topology.ts";

/**
 * The send limits: token buckets of three seconds' worth (capacity 3 at 1 a second),
 * refilling continuously, one per connection on its worker and one per user in Redis.
 * Counts are checked against what the elapsed time allows, never against a speed.
 */

const capacity = 3;

interface BurstResult {
  accepted: string[];
  refused: { text: string; error: ErrorBody }[];
  /** From the first send to the last answer. */
  elapsedMs: number;
}

/** The most a bucket of `capacity` refilling at `perSecond` can let through in `elapsedMs`. */
const mostAllowed = (elapsedMs: number, perSecond = 1) => capacity + Math.ceil((elapsedMs / 1000) * perSecond);

/** Sends every line at once (several senders interleaved) and sorts the answers. */
async function burst(sends: { client: TestClient; room?: string; to?: string; text: string }[]): Promise<BurstResult> {
  const started = Date.now();
  const acks: { text: string; ack: Ack<unknown> }[] = await Promise.all(
    sends.map(async ({ client, room, to, text }) => ({
      text,
      ack:
        to === undefined
          ? await request(client, "message:send", { room: room ?? "lobby", text })
          : await request(client, "dm:send", { to, text }),
    })),
  );
  const elapsedMs = Date.now() - started;
  const result: BurstResult = { accepted: [], refused: [], elapsedMs };
  for (const { text, ack } of acks) {
    if (ack.ok) result.accepted.push(text);
    else result.refused.push({ text, error: ack.error });
  }
  return result;
}

/** The wait a refusal names: "... try again in 0.8 s". */
const retryAfterMs = (error: ErrorBody): number => {
  const seconds = /try again in (\d+\.\d) s$/.exec(error.message)?.[1];
  if (seconds === undefined) throw new Error(`no retry time in ${JSON.stringify(error.message)}`);
  return Number(seconds) * 1000;
};

const texts = (stem: string, count: number) => Array.from({ length: count }, (_, i) => `${stem} ${i + 1}`);

/** Everything the room keeps, oldest first. */
const historyTexts = async (client: TestClient, room: string): Promise<string[]> =>
  (await ok(client, "history:fetch", { room, limit: 100 })).messages.map((message) => message.text);

/** A line every member receives: whatever was published to the room before it has arrived by then. */
async function barrier(from: TestClient, room: string, receivers: Recorder[]): Promise<string> {
  const text = unique("barrier");
  await ok(from, "message:send", { room, text });
  await Promise.all(receivers.map((receiver) => receiver.next("message:new", (message) => message.text === text)));
  return text;
}

describe("the limit per connection (SEND_RATE_PER_CONNECTION=1)", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  const connect = async (name: string) => {
    const client = await connectClient(server.url, name);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { SEND_RATE_PER_CONNECTION: "1", SEND_RATE_PER_USER: "1000" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  it("refuses the excess of a burst with rate_limited, stores and broadcasts none of it, and lets the sender in again after the wait", async () => {
    const room = unique("burst");
    const sender = await connect(unique("sender"));
    const watcher = await connect(unique("watcher"));
    await ok(sender, "room:join", { room });
    await ok(watcher, "room:join", { room });
    const seen = record(watcher);

    const lines = texts("burst", 10);
    const { accepted, refused, elapsedMs } = await burst(lines.map((text) => ({ client: sender, room, text })));

    // A full bucket lets the first three through; the rest waits for tokens at 1 a second.
    expect(accepted.slice(0, capacity)).toEqual(lines.slice(0, capacity));
    expect(accepted.length).toBeLessThanOrEqual(mostAllowed(elapsedMs));
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length + refused.length).toBe(lines.length);
    for (const { error } of refused) {
      expect(error).toEqual({
        code: "rate_limited",
        message: expect.stringMatching(/^too many messages: at most 1 a second on one connection; try again in \d+\.\d s$/),
      });
      expect(retryAfterMs(error)).toBeGreaterThan(0);
      expect(retryAfterMs(error)).toBeLessThanOrEqual(1000);
    }

    // After the wait the last refusal named, the same connection may send again.
    const last = refused.at(-1)?.error;
    if (last === undefined) throw new Error("nothing was refused");
    await sleep(retryAfterMs(last) + 100);
    const after = unique("after the wait");
    await ok(sender, "message:send", { room, text: after });

    // Everything published to the room before `after` has arrived at the watcher by now.
    await seen.next("message:new", (message) => message.text === after);
    expect(seen.of("message:new").map((message) => message.text)).toEqual([...accepted, after]);
    expect(await historyTexts(watcher, room)).toEqual([...accepted, after]);
  });

  it("holds each connection to its own bucket: another connection, even of the same user, is not held back", async () => {
    const room = unique("own-buckets");
    const name = unique("twice");
    const first = await connect(name);
    const second = await connect(name);
    const other = await connect(unique("other"));
    for (const client of [first, second, other]) await ok(client, "room:join", { room });

    const drained = await burst(texts("first", 6).map((text) => ({ client: first, room, text })));
    expect(drained.refused.length).toBeGreaterThan(0);
    const others = await burst([
      ...texts("second", capacity).map((text) => ({ client: second, room, text })),
      ...texts("other", capacity).map((text) => ({ client: other, room, text })),
    ]);
    expect(others.refused).toEqual([]);
    // Two connections sent at once: their lines may interleave in any order.
    expect((await historyTexts(other, room)).sort()).toEqual([...drained.accepted, ...others.accepted].sort());
  });

  it("counts dm:send against the same bucket", async () => {
    const sender = await connect(unique("dm-sender"));
    const receiverName = unique("dm-receiver");
    const receiver = await connect(receiverName);
    const seen = record(receiver);
    const lines = texts("direct", 6);
    const { accepted, refused, elapsedMs } = await burst(lines.map((text) => ({ client: sender, to: receiverName, text })));
    expect(accepted.slice(0, capacity)).toEqual(lines.slice(0, capacity));
    expect(accepted.length).toBeLessThanOrEqual(mostAllowed(elapsedMs));
    expect(refused.length).toBeGreaterThan(0);
    for (const { error } of refused) expect(error.code).toBe("rate_limited");

    const inbox = await ok(receiver, "dm:fetch", { limit: 100 });
    expect(inbox.messages.map((message) => message.text)).toEqual(accepted);
    // The last accepted one has arrived live; a refused one, sent before it was answered, would have too.
    await seen.next("dm:new", (message) => message.text === accepted.at(-1));
    expect(seen.of("dm:new").map((message) => message.text)).toEqual(accepted);
  });
});

describe("the limit per user (SEND_RATE_PER_USER=1) across workers", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { SEND_RATE_PER_CONNECTION: "1000", SEND_RATE_PER_USER: "1" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  it("holds two connections of one user on different workers to one bucket; other users are not held back", async () => {
    const name = unique("user");
    const { a, b, workers, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), [name, name]);
    clients.push(a, b, ...extra);
    expect(workers[0]).not.toBe(workers[1]);
    const others = [await connectClient(server.url, unique("bystander")), await connectClient(server.url, unique("bystander"))];
    clients.push(...others);
    const room = unique("per-user");
    for (const client of [a, b, ...others]) await ok(client, "room:join", { room });
    const seen = record(others[0] as TestClient);

    // Eight lines, alternating between the two connections: each worker alone would let three through.
    const lines = texts("user", 8);
    const { accepted, refused, elapsedMs } = await burst(lines.map((text, i) => ({ client: i % 2 === 0 ? a : b, room, text })));
    expect(accepted.length).toBeGreaterThanOrEqual(capacity);
    expect(accepted.length).toBeLessThanOrEqual(mostAllowed(elapsedMs));
    expect(refused.length).toBeGreaterThan(0);
    for (const { error } of refused) {
      expect(error).toEqual({
        code: "rate_limited",
        message: expect.stringMatching(/^too many messages: at most 1 a second for one user over all their connections; try again in \d+\.\d s$/),
      });
    }

    // Other users, on the same workers, send a full burst of their own at once.
    const bystanders = await burst(others.flatMap((client, i) => texts(`bystander ${i}`, capacity).map((text) => ({ client, room, text }))));
    expect(bystanders.refused).toEqual([]);

    // The barrier comes from a user of its own: the bystanders have used their burst.
    const closer = await connectClient(server.url, unique("closer"));
    clients.push(closer);
    await ok(closer, "room:join", { room });
    const end = await barrier(closer, room, [seen]);
    const published = seen.of("message:new").map((message) => message.text);
    // Sent from two workers at once, the accepted lines may be stored in either order.
    expect(published.filter((text) => text.startsWith("user ")).sort()).toEqual([...accepted].sort());
    const history = await historyTexts(a, room);
    expect(history.at(-1)).toBe(end);
    expect(history.sort()).toEqual([...accepted, ...bystanders.accepted, end].sort());
  });
});

describe("the limit per user across two instances sharing Redis", () => {
  const prefix = uniquePrefix();
  const servers: RunningServer[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const env = { SEND_RATE_PER_CONNECTION: "1000", SEND_RATE_PER_USER: "1" };
    const started = await Promise.allSettled([
      startServerPatiently({ workers: 1, prefix, env }),
      startServerPatiently({ workers: 1, prefix, env }),
    ]);
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(servers.map((server) => server.stop()));
  }, 30_000);

  it("holds one user's connections to the two instances to one bucket", async () => {
    const [one, two] = servers as [RunningServer, RunningServer];
    const name = unique("user");
    const a = await connectClient(one.url, name);
    const b = await connectClient(two.url, name);
    const bystander = await connectClient(two.url, unique("bystander"));
    clients.push(a, b, bystander);
    await expect(one.workerOf(a.id ?? "")).resolves.toBe(1);
    await expect(two.workerOf(b.id ?? "")).resolves.toBe(1);
    const room = unique("instances");
    for (const client of [a, b, bystander]) await ok(client, "room:join", { room });

    const lines = texts("user", 8);
    const { accepted, refused, elapsedMs } = await burst(lines.map((text, i) => ({ client: i % 2 === 0 ? a : b, room, text })));
    expect(accepted.length).toBeGreaterThanOrEqual(capacity);
    expect(accepted.length).toBeLessThanOrEqual(mostAllowed(elapsedMs));
    expect(refused.length).toBeGreaterThan(0);
    for (const { error } of refused) expect(error.code).toBe("rate_limited");

    const others = await burst(texts("bystander", capacity).map((text) => ({ client: bystander, room, text })));
    expect(others.refused).toEqual([]);
    expect((await historyTexts(bystander, room)).sort()).toEqual([...accepted, ...others.accepted].sort());
  });
});

describe("the limit per user while Redis is down", () => {
  let redis: RedisServer;
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServerPatiently({ workers: 1, prefix: uniquePrefix(), env: { REDIS_URL: redis.url, SEND_RATE_PER_USER: "1" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
    await redis?.dispose();
  }, 30_000);

  it("changes nothing about how a send fails (unavailable), and holds again once Redis is back", async () => {
    const name = unique("user");
    const client = await connectClient(server.url, name);
    clients.push(client);
    await ok(client, "message:send", { room: "lobby", text: "before the outage" });

    await redis.kill();
    const during = await request(client, "message:send", { room: "lobby", text: "during the outage" });
    expect(during).toEqual({ ok: false, error: { code: "unavailable", message: expect.any(String) } });

    await redis.start();
    // The bucket went with the old Redis: a fresh, full one.
    let sent: Ack<unknown> | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      sent = await request(client, "message:send", { room: "lobby", text: "after the outage" });
      if (sent.ok || sent.error.code !== "unavailable") break;
      await sleep(100);
    }
    expect(sent?.ok).toBe(true);
    const { refused } = await burst(texts("after", 10).map((text) => ({ client, text })));
    expect(refused.length).toBeGreaterThan(0);
    for (const { error } of refused) expect(error.message).toMatch(/for one user/);
  });
});
