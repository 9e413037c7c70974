import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type RedisServer, type RunningServer, sleep, startRedisServer, startServer, type TestClient } from "@chat/test-kit";
import { ok } from "./support/requests.ts";

/**
 * A worker's presence costs Redis one call per refresh interval however many connections it
 * holds and rooms they are in: the worker's beat. On a Redis of its own, so that the calls
 * it counts are this server's alone, with a refresh interval (PRESENCE_REFRESH_MS) shorter
 * than the default, so that the beats it counts come sooner.
 */
describe("presence upkeep of an idle worker", () => {
  let own: RedisServer;
  let server: RunningServer;
  let redis: RedisClientType;
  const clients: TestClient[] = [];
  const presenceRefreshMs = 2000;

  beforeAll(async () => {
    own = await startRedisServer();
    server = await startServer({ workers: 1, env: { REDIS_URL: own.url, PRESENCE_REFRESH_MS: String(presenceRefreshMs) } });
    redis = createClient({ url: own.url });
    await redis.connect();
  }, 90_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
    await redis?.quit();
    await own?.dispose();
  });

  /** Every command Redis has run so far, but the readiness PINGs and these reads themselves. */
  const commands = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const [, name, calls] of (await redis.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (name !== "ping" && name !== "info" && name !== undefined) counts[name] = Number(calls);
    }
    return counts;
  };
  const grown = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(after).flatMap(([name, calls]) => (calls > (before[name] ?? 0) ? [[name, calls - (before[name] ?? 0)]] : [])));

  it("sixty connections in three rooms each: at most one call per refresh interval once they are idle", async () => {
    for (let i = 0; i < 60; i++) {
      const client = await connectClient(server.url, `idle${i}`);
      clients.push(client);
      await ok(client, "room:join", { room: `upkeep-${i % 7}` });
      await ok(client, "room:join", { room: `upkeep-${(i + 3) % 7}` });
    }
    // Past one beat with all of them connected.
    await sleep(presenceRefreshMs + 500);
    const before = await commands();
    await sleep(2 * presenceRefreshMs);
    const after = await commands();
    // Redis counts the commands a script runs as well as the script: the beat's ZADD and
    // ZRANGEBYSCORE, once each a beat, and nothing else.
    const { evalsha = 0, eval: evalCalls = 0, ...inside } = grown(before, after);
    // Two beats in the window, three if it began just as one was due.
    expect(evalsha + evalCalls).toBeGreaterThanOrEqual(2);
    expect(evalsha + evalCalls).toBeLessThanOrEqual(3);
    expect(inside).toEqual({ zadd: evalsha + evalCalls, zrangebyscore: evalsha + evalCalls });
  }, 60_000);
});
