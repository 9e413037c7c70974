import { afterEach, describe, expect, it } from "vitest";
import { answersPing, withRedis } from "../src/redis/commands.ts";
import { startRedisServer, type RedisServer } from "../src/redis/redis-server.ts";

describe("a redis-server of the test's own", () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.dispose();
    redis = undefined;
  });

  it("keeps acknowledged writes across a crash when durable, and starts again on the same port", async () => {
    redis = await startRedisServer({ durable: true });
    await withRedis(redis.url, (client) => client.set("kept", "yes"));
    await redis.kill();
    expect(redis.running).toBe(false);
    expect(await answersPing(redis.url)).toBe(false);
    await redis.start();
    expect(await withRedis(redis.url, (client) => client.get("kept"))).toBe("yes");
  });

  it("starts empty again after a crash when not durable", async () => {
    redis = await startRedisServer();
    await withRedis(redis.url, (client) => client.set("lost", "yes"));
    await redis.kill();
    await redis.start();
    expect(await withRedis(redis.url, (client) => client.get("lost"))).toBeNull();
  });

  it("answers nothing while hung, keeping what it holds, and answers again once resumed", async () => {
    redis = await startRedisServer();
    await withRedis(redis.url, (client) => client.set("held", "yes"));
    redis.hang();
    try {
      expect(redis.running).toBe(true);
      expect(await answersPing(redis.url, 500)).toBe(false);
    } finally {
      redis.resume();
    }
    expect(await answersPing(redis.url, 5_000)).toBe(true);
    expect(await withRedis(redis.url, (client) => client.get("held"))).toBe("yes");
    // A hung server still shuts down.
    redis.hang();
    await redis.shutdown();
    expect(redis.running).toBe(false);
  });

  it("shuts down on SHUTDOWN and removes its directory when disposed", async () => {
    redis = await startRedisServer();
    await redis.shutdown();
    expect(redis.running).toBe(false);
    const { dir } = redis;
    await redis.dispose();
    redis = undefined;
    const { existsSync } = await import("node:fs");
    expect(existsSync(dir)).toBe(false);
  });
});
