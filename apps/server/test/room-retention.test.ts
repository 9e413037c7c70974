import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRedisUrl } from "../src/config.ts";
import { sleep, type TestClient } from "@chat/test-kit";
import { ok, refused, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";

const maxAgeSeconds = 2;
const idleTtlSeconds = 4;
const roomsPerDay = 3;

/**
 * Rooms do not grow without bound: their history is bounded in age, their keys expire when
 * idle, and each user may bring only so many rooms into existence a day. Small settings so
 * that a test sees them at work; the keys are read straight from Redis.
 */
describe("room retention and the daily room allowance, across workers and instances", () => {
  let topology: Topology;
  let redis: RedisClientType;
  let a: TestClient;
  let b: TestClient;
  const texts = (messages: { text: string }[]) => messages.map((message) => message.text);
  const streamKey = (room: string) => `${topology.prefix}:room:{${room}}:log`;
  const membersKey = (room: string) => `${topology.prefix}:room:{${room}}:members`;
  const markerKey = (room: string) => `${topology.prefix}:room:{${room}}:private`;

  beforeAll(async () => {
    topology = await startTopology({
      HISTORY_MAX_AGE_SECONDS: String(maxAgeSeconds),
      ROOM_IDLE_TTL_SECONDS: String(idleTtlSeconds),
      MAX_ROOMS_PER_USER_PER_DAY: String(roomsPerDay),
    });
    redis = createClient({ url: defaultRedisUrl });
    await redis.connect();
    a = await topology.connect("A", "one:1");
    b = await topology.connect("B", "two:1");
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
    if (redis !== undefined) {
      const keys = await redis.keys(`${topology.prefix}:*`);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
    }
  }, 60_000);

  it("a message older than HISTORY_MAX_AGE_SECONDS is no longer shown, and the next post drops it from Redis", async () => {
    const room = unique("aging");
    await ok(a, "room:join", { room });
    await ok(b, "room:join", { room });
    await say(a, room, "old news");
    expect(texts((await ok(b, "history:fetch", { room })).messages)).toEqual(["old news"]);
    await sleep(maxAgeSeconds * 1000 + 500);
    expect(texts((await ok(b, "history:fetch", { room })).messages)).toEqual([]);
    expect(texts((await ok(b, "room:join", { room, after: "0-0" })).messages)).toEqual([]);
    await say(b, room, "fresh");
    expect(texts((await ok(a, "history:fetch", { room })).messages)).toEqual(["fresh"]);
    expect(await redis.xLen(streamKey(room))).toBe(1);
  });

  it("a room's keys expire ROOM_IDLE_TTL_SECONDS after its last post; each post renews them, a private room's members too", async () => {
    const room = unique("idle");
    await ok(a, "room:create", { room, private: true });
    await ok(a, "room:invite", { room, user: "B" });
    await say(a, room, "first");
    for (const key of [streamKey(room), membersKey(room), markerKey(room)]) {
      const ttl = await redis.pTTL(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(idleTtlSeconds * 1000);
    }
    await sleep(1500);
    await say(a, room, "second");
    // Renewed by the second post: more left than the first post's TTL would have by now.
    for (const key of [streamKey(room), membersKey(room), markerKey(room)]) {
      expect(await redis.pTTL(key), key).toBeGreaterThan((idleTtlSeconds - 1.5) * 1000);
    }
    // Left alone, every key of the room goes; no post brings back an old membership.
    const deadline = Date.now() + idleTtlSeconds * 1000 + 10_000;
    while ((await redis.exists([streamKey(room), membersKey(room), markerKey(room)])) > 0 && Date.now() < deadline) await sleep(200);
    expect(await redis.exists([streamKey(room), membersKey(room), markerKey(room)])).toBe(0);
    expect((await ok(b, "room:list")).rooms).not.toContain(room);
  });

  it(`a user brings at most ${roomsPerDay} rooms into existence a day, on every instance; joining a room with history or again costs nothing`, async () => {
    const q = await topology.connect("Q", "one:2");
    const qElsewhere = await topology.connect("Q", "two:1");
    const [r1, r2, r3, r4] = [unique("q1"), unique("q2"), unique("q3"), unique("q4")];
    // A room with history, made by someone else: joining it creates nothing.
    const busy = unique("busy");
    await ok(a, "room:join", { room: busy });
    await say(a, busy, "already here");
    await ok(q, "room:join", { room: r1 });
    await ok(q, "room:create", { room: r2 });
    await ok(qElsewhere, "room:create", { room: r3, private: true });
    const over = (room: string) => ({
      code: "room_quota_exceeded",
      message: `you have created as many rooms today as allowed; ${room} was not created`,
    });
    expect(await refused(q, "room:join", { room: r4 })).toEqual(over(r4));
    expect(await refused(qElsewhere, "room:join", { room: r4 })).toEqual(over(r4));
    expect(await refused(qElsewhere, "room:create", { room: r4, private: true })).toEqual(over(r4));
    expect((await ok(q, "room:list")).rooms).toEqual(["lobby", r1, r2, r3].sort());
    // Counted once: the same rooms again, from another session; a room someone else made.
    expect((await ok(qElsewhere, "room:join", { room: r1 })).room).toBe(r1);
    expect(texts((await ok(q, "room:join", { room: busy })).messages)).toEqual(["already here"]);
    // Another user's allowance is their own.
    expect((await ok(b, "room:join", { room: r4 })).room).toBe(r4);
  });
});
