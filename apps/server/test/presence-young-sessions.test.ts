import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../src/config.ts";
import { presenceRefreshMs, presenceTtlMs } from "../src/presence/presence-store.ts";
import { connectClient, type RunningServer, sleep, startServer, type TestClient } from "@chat/test-kit";

/**
 * A worker refreshes its sessions every `presenceRefreshMs`, but leaves a connection younger
 * than that to the next tick: its sessions were just entered and live `presenceTtlMs` from
 * then. So the expiry a connection's session was entered with stays as it was for one
 * refresh interval, is extended once the connection is older than that, and never lapses.
 */
describe("presence refresh of young connections", () => {
  let server: RunningServer;
  let redis: RedisClientType;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 1 });
    const client: RedisClientType = createClient({ url: defaultRedisUrl });
    await client.connect();
    redis = client;
  }, 90_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
    const keys = await redis.keys(`${server.prefix}:presence*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  /** The expiry the user's entry in the whole service has now, once there is one. */
  const expiryOf = async (user: string): Promise<number> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
      const score = await redis.zScore(`${server.prefix}:presence:online`, user);
      if (score !== null) return score;
    }
    throw new Error(`${user} never entered`);
  };

  it("keeps a new connection's entry as it was through the next tick, then extends it before it lapses", async () => {
    // A tick is seen when it extends the entry of a connection older than an interval.
    clients.push(await connectClient(server.url, "older"));
    const olderEntered = await expiryOf("older");
    while ((await expiryOf("older")) === olderEntered) await sleep(20);
    const tickAt = Date.now();

    clients.push(await connectClient(server.url, "young"));
    const entered = await expiryOf("young");
    expect(entered).toBeGreaterThanOrEqual(tickAt + presenceTtlMs);

    // The next tick, one interval after the one just seen, found the connection younger than
    // an interval and left it alone; it did extend the older one again.
    const olderBefore = await expiryOf("older");
    await sleep(Math.max(0, tickAt + presenceRefreshMs + 700 - Date.now()));
    expect(await expiryOf("older")).toBeGreaterThan(olderBefore);
    expect(await expiryOf("young")).toBe(entered);

    // The tick after that found it older than an interval, and extended it well before it lapsed.
    await sleep(Math.max(0, tickAt + 2 * presenceRefreshMs + 700 - Date.now()));
    const refreshed = await expiryOf("young");
    expect(refreshed).toBeGreaterThan(entered);
    expect(Date.now()).toBeLessThan(entered);
  }, 45_000);
});
