import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../src/config.ts";
import { clientsOnDifferentWorkers, startServer, type RunningServer, type TestClient } from "./support/index.ts";
import { inbox, sendLine } from "./support/wire.ts";

type RedisClient = ReturnType<typeof createClient>;

/** A PUBLISH seen by a pattern subscriber: the channel and the raw payload bytes. */
interface Published {
  channel: string;
  payload: Buffer;
}

/** A node-redis connection of the test's own, pattern-subscribed in buffer mode, recording what it hears. */
async function observe(pattern: string): Promise<{
  seen: Published[];
  waitFor(predicate: (published: Published) => boolean, timeoutMs?: number): Promise<Published>;
  close(): Promise<void>;
}> {
  const client: RedisClient = createClient({ url: defaultRedisUrl });
  client.on("error", () => undefined);
  await client.connect();
  const seen: Published[] = [];
  const waiters: { predicate: (published: Published) => boolean; resolve: (published: Published) => void }[] = [];
  await client.pSubscribe(
    pattern,
    (payload: Buffer, channel: Buffer) => {
      const published = { channel: channel.toString(), payload };
      seen.push(published);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(published)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(published);
        }
      }
    },
    true,
  );
  return {
    seen,
    waitFor(predicate, timeoutMs = 10_000) {
      const already = seen.find(predicate);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing matching was published on ${pattern} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (published) => {
            clearTimeout(timer);
            resolve(published);
          },
        });
      });
    },
    close: async () => {
      await client.quit();
    },
  };
}

const contains = (text: string) => (published: Published) => published.payload.includes(Buffer.from(text, "utf8"));

/** The exact channel name, with the regex characters of the prefix escaped. */
const escape = (value: string) => value.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

describe("the Redis adapter's channels, seen from Redis", () => {
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
    await plain?.quit();
    await server?.stop();
  }, 60_000);

  it("every worker subscribes to the request and response channels and to the broadcast pattern", async () => {
    const { prefix } = server;
    const channels = await plain.PUBSUB_CHANNELS(`${prefix}*`);
    const requestChannel = `${prefix}-request#/#`;
    const responseChannel = `${prefix}-response#/#`;
    expect(channels).toContain(requestChannel);
    expect(channels).toContain(responseChannel);
    // Plus one private response channel a worker: `<prefix>-response#/#<uid>#`.
    const own = channels.filter((channel) => new RegExp(`^${escape(responseChannel)}[^#]+#$`).test(channel));
    expect(own).toHaveLength(2);
    expect(channels.sort()).toEqual([requestChannel, responseChannel, ...own].sort());

    const counts = await plain.PUBSUB_NUMSUB([requestChannel, responseChannel]);
    expect(counts).toEqual({ [requestChannel]: 2, [responseChannel]: 2 });

    // Redis counts a pattern once however many connections hold it, and other tests share this
    // Redis, so NUMPAT can only say the patterns are there at all...
    expect(await plain.PUBSUB_NUMPAT()).toBeGreaterThanOrEqual(1);
    // ...while PUBLISH answers how many connections received a message: both workers, by the
    // pattern `<prefix>#/#*` alone (no plain channel has this name). The room is one no worker
    // knows, so the adapter drops the message unread.
    const receivers = await plain.publish(`${prefix}#/#no-such-room#`, "probe");
    expect(receivers).toBe(2);
  });

  it("a chat line is published once, msgpack-encoded, on the room's channel `<prefix>#/#room:lobby#`", async () => {
    const { prefix } = server;
    const observer = await observe(`${prefix}#*`);
    try {
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      clients.push(a, b, ...extra);
      extra.forEach((client) => client.close());
      const atB = inbox(b);
      const text = `over redis ${randomBytes(4).toString("hex")}`;
      const id = await sendLine(a, text);
      const published = await observer.waitFor(contains(text));
      expect(published.channel).toBe(`${prefix}#/#room:lobby#`);
      // MessagePack in the adapter's own format, not JSON: a fixarray of [uid, packet, opts].
      expect(published.payload[0]).toBe(0x93);
      expect(published.payload.includes(Buffer.from("message:new"))).toBe(true);
      expect(published.payload.includes(Buffer.from(id))).toBe(true);
      expect(published.payload.includes(Buffer.from("room:lobby"))).toBe(true);
      expect(published.payload.includes(Buffer.from(a.id ?? "-"))).toBe(true); // the sender is excepted
      await atB.waitForText(text);

      // A second line from the same worker is published after the first: once it is seen, any
      // second copy of the first would have been seen too.
      const next = `over redis, second ${randomBytes(4).toString("hex")}`;
      await sendLine(a, next);
      await observer.waitFor(contains(next));
      expect(observer.seen.filter(contains(text))).toHaveLength(1);
      expect(observer.seen.filter(contains(next)).map(({ channel }) => channel)).toEqual([`${prefix}#/#room:lobby#`]);
      await atB.waitForText(next);
      expect(atB.texts()).toEqual([text, next]);
    } finally {
      await observer.close();
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

  it("uses the adapter's standard layout `socket.io#/#…` that other Socket.IO tools expect", async () => {
    expect(server.lines.some((line) => line.includes("(prefix socket.io)"))).toBe(true);
    const observer = await observe("socket.io#*");
    try {
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      clients.push(a, b, ...extra);
      extra.forEach((client) => client.close());
      const atB = inbox(b);
      // Other servers on the default prefix may share this Redis: only this unique text counts.
      const text = `default prefix ${randomBytes(8).toString("hex")}`;
      await sendLine(a, text);
      const published = await observer.waitFor(contains(text));
      expect(published.channel).toBe("socket.io#/#room:lobby#");
      expect((await atB.waitForText(text)).from).toBe("A");

      const plain = createClient({ url: defaultRedisUrl });
      plain.on("error", () => undefined);
      await plain.connect();
      try {
        const channels = await plain.PUBSUB_CHANNELS("socket.io-*");
        expect(channels).toContain("socket.io-request#/#");
        expect(channels).toContain("socket.io-response#/#");
        const counts = await plain.PUBSUB_NUMSUB("socket.io-request#/#");
        expect(counts["socket.io-request#/#"]).toBeGreaterThanOrEqual(2);
      } finally {
        await plain.quit();
      }
    } finally {
      await observer.close();
    }
  });
});
