import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../src/config.ts";
import { MemoryPresenceStore } from "../src/presence/memory-presence-store.ts";
import type { PresenceStore } from "../src/presence/presence-store.ts";
import { RedisPresenceStore } from "../src/presence/redis-presence-store.ts";
import { quickPresence, sleep, uniquePrefix } from "@chat/test-kit";
import { redisPresenceStoreForTests } from "./support/presence-redis.ts";

/**
 * Entering and leaving tell whether the change is news (a user's first session in, last one
 * out) and how many users the scope holds after it: what decides whether a room hears of it.
 * The same for the store shared through Redis and the one of the single process.
 */
describe.each([
  { kind: "redis", shared: true },
  { kind: "memory", shared: false },
])("presence counts ($kind store)", ({ shared }) => {
  const prefix = uniquePrefix();
  let redis: RedisClientType | undefined;
  let store: PresenceStore;

  beforeAll(async () => {
    if (!shared) {
      store = new MemoryPresenceStore();
      return;
    }
    const client: RedisClientType = createClient({ url: defaultRedisUrl });
    await client.connect();
    redis = client;
    store = new RedisPresenceStore(client, prefix);
  });
  afterAll(async () => {
    if (redis === undefined) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  it("counts the users of the scope after each arrival and departure, each user once however many sessions", async () => {
    const scope = "room:counted";
    expect(await store.enter({ scope, user: "u1", socketId: "s1" })).toEqual({ news: true, usersAfter: 1 });
    expect(await store.enter({ scope, user: "u2", socketId: "s2" })).toEqual({ news: true, usersAfter: 2 });
    // A second session of u1: no news, still two users.
    expect(await store.enter({ scope, user: "u1", socketId: "s1b" })).toEqual({ news: false, usersAfter: 2 });
    // Another scope is counted apart.
    expect(await store.enter({ scope: "room:other", user: "u3", socketId: "s3" })).toEqual({ news: true, usersAfter: 1 });
    expect(await store.enter({ scope, user: "u3", socketId: "s3" })).toEqual({ news: true, usersAfter: 3 });

    expect(await store.leave({ scope, user: "u1", socketId: "s1" })).toEqual({ news: false, usersAfter: 3 });
    expect(await store.leave({ scope, user: "u1", socketId: "s1b" })).toEqual({ news: true, usersAfter: 2 });
    // A session that is not there: no news, nothing changes.
    expect(await store.leave({ scope, user: "u1", socketId: "s1b" })).toEqual({ news: false, usersAfter: 2 });
    expect(await store.leave({ scope, user: "u9", socketId: "s9" })).toEqual({ news: false, usersAfter: 2 });
    expect(await store.leave({ scope, user: "u2", socketId: "s2" })).toEqual({ news: true, usersAfter: 1 });
    expect(await store.leave({ scope, user: "u3", socketId: "s3" })).toEqual({ news: true, usersAfter: 0 });
    expect(await store.leave({ scope: "room:never", user: "u3", socketId: "s3" })).toEqual({ news: false, usersAfter: 0 });
    expect(await store.list(scope)).toEqual([]);
    expect(await store.list("room:other")).toEqual(["u3"]);
  });

  it("counts many entering at once: each count is a different one, from 1 to all of them", async () => {
    const scope = "room:burst";
    const users = Array.from({ length: 50 }, (_, i) => `burst${i}`);
    const shifts = await Promise.all(users.map((user) => store.enter({ scope, user, socketId: `socket-${user}` })));
    expect(shifts.every(({ news }) => news)).toBe(true);
    expect(shifts.map(({ usersAfter }) => usersAfter).sort((x, y) => x - y)).toEqual(users.map((_, i) => i + 1));
  });
});

/**
 * Users whose sessions all died with their process are swept with the count their scope
 * kept once each was gone, counted off one by one, as if they had left one after the other.
 */
describe("presence counts of swept users (redis store)", () => {
  const presence = redisPresenceStoreForTests(quickPresence);
  const { ttlMs } = quickPresence;

  it("returns each user of a dead process once, with the users its scope held after it, and the live process's users stay", async () => {
    const live = presence.store();
    const dead = presence.another();
    const mixed = "room:mixed";
    const emptied = "room:emptied";
    const gone = ["gone0", "gone1", "gone2"];
    const enteredAt = Date.now();
    for (const user of gone) {
      await dead.enter({ scope: mixed, user, socketId: `socket-${user}` });
      await dead.enter({ scope: emptied, user, socketId: `socket-${user}` });
    }
    for (const user of ["kept0", "kept1"]) await live.enter({ scope: mixed, user, socketId: `socket-${user}` });
    // kept0 also holds a session on the dead process: it keeps the one on the live one.
    await dead.enter({ scope: mixed, user: "kept0", socketId: "socket-kept0-elsewhere" });
    await live.refresh([]);
    expect(await live.sweep()).toEqual([]);

    // The dead process beats no more; the live one goes on, and sweeps once the other's beat has lapsed.
    await sleep(ttlMs / 2);
    await live.refresh([]);
    await sleep(Math.max(0, enteredAt + ttlMs + 1_000 - Date.now()));
    await live.refresh([]);
    const swept = await live.sweep();
    const countsIn = (scope: string) =>
      swept.filter((expiry) => expiry.scope === scope).map(({ user, usersAfter }) => ({ user, usersAfter }));
    expect(countsIn(mixed).map(({ user }) => user).sort()).toEqual(gone);
    expect(countsIn(emptied).map(({ user }) => user).sort()).toEqual(gone);
    // Five in `mixed`: the three gone leave 4, 3 and 2 behind; `emptied` goes 2, 1, 0.
    expect(countsIn(mixed).map(({ usersAfter }) => usersAfter)).toEqual([4, 3, 2]);
    expect(countsIn(emptied).map(({ usersAfter }) => usersAfter)).toEqual([2, 1, 0]);
    expect(swept).toHaveLength(6);
    expect(await live.list(mixed)).toEqual(["kept0", "kept1"]);
    expect(await live.list(emptied)).toEqual([]);
    await live.refresh([]);
    expect(await live.sweep()).toEqual([]);
    // The next arrival counts from what is left.
    expect(await live.enter({ scope: mixed, user: "late", socketId: "socket-late" })).toEqual({ news: true, usersAfter: 3 });
  }, 60_000);
});
