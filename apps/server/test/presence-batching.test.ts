import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeBatchSize, RedisPresenceStore } from "../src/presence/redis-presence-store.ts";
import { type RedisServer, startRedisServer, uniquePrefix } from "@chat/test-kit";

/**
 * Arrivals and departures travel together to Redis: what is made in one go in one script
 * call, and what is made while a call is on its way in the next. On a Redis of its own, so
 * that the calls it counts are this store's alone.
 */
describe("presence changes sent together (redis store)", () => {
  let own: RedisServer;
  let redis: RedisClientType;
  let store: RedisPresenceStore;

  beforeAll(async () => {
    own = await startRedisServer();
    redis = createClient({ url: own.url });
    await redis.connect();
    store = new RedisPresenceStore(redis, uniquePrefix());
  }, 30_000);
  afterAll(async () => {
    await redis?.close();
    await own?.dispose();
  });

  /** Script calls Redis has run so far (by digest, or in full the first time). */
  const scriptCalls = async (): Promise<number> => {
    const stats = await redis.info("commandstats");
    let calls = 0;
    for (const match of stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  };

  it("sends the changes made at once in one call, each with its own count, in order", async () => {
    const before = await scriptCalls();
    const scope = "room:together";
    const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
    // Three sessions of each user, arriving in turn: only each user's first is news.
    const sessions = [0, 1, 2].flatMap((round) => users.map((user) => ({ scope, user, socketId: `${user}-${round}` })));
    const shifts = await Promise.all(sessions.map((session) => store.enter(session)));
    expect(shifts).toEqual(sessions.map((_, i) => ({ news: i < users.length, usersAfter: Math.min(i + 1, users.length) })));
    // One call; two when Redis did not know the script yet (its digest refused, then in full).
    expect((await scriptCalls()) - before).toBeLessThanOrEqual(2);
    expect(await store.list(scope)).toEqual([...users].sort());
  });

  it("keeps a session's departure after its arrival when both are made at once", async () => {
    const session = { scope: "room:brief", user: "brief", socketId: "brief-1" };
    const [arrival, departure] = await Promise.all([store.enter(session), store.leave(session)]);
    expect(arrival).toEqual({ news: true, usersAfter: 1 });
    expect(departure).toEqual({ news: true, usersAfter: 0 });
    expect(await store.isPresent(session.scope, session.user)).toBe(false);
  });

  it("gathers the changes made while a call is on its way into the next, and none is lost", async () => {
    const before = await scriptCalls();
    const scope = "room:stream";
    const count = 300;
    // One arrival a turn of the event loop, as connections come in during a storm.
    const shifts: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      shifts.push(store.enter({ scope, user: `s${i}`, socketId: `s${i}` }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const counts = (await Promise.all(shifts)).map((shift) => (shift as { usersAfter: number }).usersAfter);
    expect(counts).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect((await store.list(scope)).length).toBe(count);
    // Fewer calls than arrivals: they waited for the one on its way, and went together.
    expect((await scriptCalls()) - before).toBeLessThan(count);
  });

  it(`splits a burst larger than ${changeBatchSize} changes into calls of at most that many, in order`, async () => {
    const scope = "room:large";
    const count = changeBatchSize * 2 + 7;
    const shifts = await Promise.all(
      Array.from({ length: count }, (_, i) => store.enter({ scope, user: `l${i}`, socketId: `l${i}` })),
    );
    expect(shifts.map(({ usersAfter }) => usersAfter)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
