import { afterEach, describe, expect, it } from "vitest";
import { createClient, type RedisClientType } from "redis";
import { uniquePrefix, withRedis } from "../src/redis/commands.ts";
import { startRedisProxy, type RedisProxy } from "../src/redis/redis-proxy.ts";
import { pollUntil, sleep } from "../src/time.ts";

/** The shared Redis at 6379, reached through the proxy; keys under a prefix of the test's own. */
describe("the Redis fault proxy", () => {
  let proxy: RedisProxy | undefined;
  const clients: RedisClientType[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.destroy()));
    await proxy?.close();
    proxy = undefined;
  });

  const connectThrough = async (url: string) => {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on("error", () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };

  it("passes commands through and counts what went by", async () => {
    proxy = await startRedisProxy();
    const key = `${uniquePrefix()}:plain`;
    await withRedis(proxy.url, async (redis) => {
      await redis.set(key, "1", { EX: 60 });
      expect(await redis.get(key)).toBe("1");
    });
    expect(proxy.passed(key)).toBe(2);
    expect(proxy.sent(key)).toBe(2);
  });

  it("hangs a connection from the marked command until released, then passes everything in order", async () => {
    proxy = await startRedisProxy();
    const prefix = uniquePrefix();
    const client = await connectThrough(proxy.url);
    proxy.holdFrom(`${prefix}:held`);
    const first = client.set(`${prefix}:held`, "1", { EX: 60 });
    const second = client.get(`${prefix}:held`);
    await proxy.held;
    await sleep(200);
    expect(proxy.sent(`${prefix}:held`)).toBe(2);
    expect(proxy.passed(`${prefix}:held`)).toBe(0);
    proxy.release();
    expect(await first).toBe("OK");
    expect(await second).toBe("1");
  });

  it("cuts every connection: the client sees its connection close", async () => {
    proxy = await startRedisProxy();
    const client = await connectThrough(proxy.url);
    expect(client.isReady).toBe(true);
    proxy.cut();
    expect(await pollUntil(() => !client.isReady, 10_000, 20)).toBe(true);
    await expect(client.ping()).rejects.toThrow();
    // Connections made after the cut pass through again.
    expect(await withRedis(proxy.url, (redis) => redis.ping())).toBe("PONG");
  });

  it("holds a subscription for the time asked, once slowed", async () => {
    proxy = await startRedisProxy();
    proxy.slowResubscribe(600, 100);
    const subscriber = await connectThrough(proxy.url);
    const started = Date.now();
    await subscriber.pSubscribe(`${uniquePrefix()}:*`, () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(proxy.slowed).toBe(1);
  });
});
