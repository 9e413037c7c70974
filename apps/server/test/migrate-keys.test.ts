import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, spawnServer, startServer, type TestClient, uniquePrefix } from "@chat/test-kit";
import { defaultRedisUrl } from "../src/config.ts";
import { ok } from "./support/requests.ts";

/**
 * `chat-server migrate-keys`: messages kept by a server of the layout before hash tags
 * (`<prefix>:room:<room>`, `<prefix>:inbox:<user>`) are read by today's server once copied,
 * under their ids; a second run copies nothing more.
 */
describe("chat-server migrate-keys", () => {
  const prefix = uniquePrefix();
  let redis: RedisClientType;
  const clients: TestClient[] = [];
  const base = Date.now() - 60_000;
  const roomIds = [`${base}-0`, `${base + 1}-0`, `${base + 2}-0`];
  const inboxIds = [`${base + 3}-0`, `${base + 4}-0`];

  beforeAll(async () => {
    redis = createClient({ url: defaultRedisUrl });
    await redis.connect();
    // What a server of the old layout left: a room's log with a lifetime, and two inboxes.
    for (const [i, id] of roomIds.entries()) {
      await redis.xAdd(`${prefix}:room:old-room`, id, { from: "Olga", text: `old line ${i}`, ...(i === 0 ? { clientId: "old-cid-1" } : {}) });
    }
    await redis.pExpire(`${prefix}:room:old-room`, 3_600_000);
    for (const user of ["Olga", "Pete"]) {
      await redis.xAdd(`${prefix}:inbox:${user}`, inboxIds[0] ?? "", { from: "Olga", to: "Pete", text: "old whisper", sentAt: String(base + 3) });
    }
    await redis.xAdd(`${prefix}:inbox:Pete`, inboxIds[1] ?? "", { from: "Pete", to: "Pete", text: "old note", sentAt: String(base + 4) });
    // Not of the old layout: left alone.
    await redis.set(`${prefix}:room:{old-room}:private-marker-lookalike`, "x");
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  const migrate = async (): Promise<string[]> => {
    const run = spawnServer({ args: ["migrate-keys"], env: { REDIS_PREFIX: prefix, REDIS_URL: defaultRedisUrl }, name: "migrate-keys" });
    const exit = await run.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    return run.lines;
  };

  it("copies the old streams under their ids; the server then shows their history and inboxes", async () => {
    expect(await migrate()).toEqual([`migrate-keys: 3 streams of the old layout, 6 entries copied (prefix ${prefix})`]);
    expect(await redis.pTTL(`${prefix}:room:{old-room}:log`)).toBeGreaterThan(3_500_000);
    const server = await startServer({ workers: 1, prefix });
    try {
      const pete = await connectClient(server.url, "Pete");
      clients.push(pete);
      const joined = await ok(pete, "room:join", { room: "old-room" });
      expect(joined.messages.map(({ id, from, text }) => ({ id, from, text }))).toEqual(
        roomIds.map((id, i) => ({ id, from: "Olga", text: `old line ${i}` })),
      );
      expect(joined.messages[0]?.clientId).toBe("old-cid-1");
      const inbox = await ok(pete, "dm:fetch", {});
      expect(inbox.messages.map(({ id, text, sentAt }) => ({ id, text, sentAt }))).toEqual([
        { id: inboxIds[0], text: "old whisper", sentAt: base + 3 },
        { id: inboxIds[1], text: "old note", sentAt: base + 4 },
      ]);
      // A line posted now goes after the old ones.
      const posted = await ok(pete, "message:send", { room: "old-room", text: "new line" });
      expect((await ok(pete, "history:fetch", { room: "old-room" })).messages.map(({ id }) => id)).toEqual([...roomIds, posted.id]);

      // Run again: nothing more to copy, nothing doubled.
      expect(await migrate()).toEqual([`migrate-keys: 3 streams of the old layout, 0 entries copied (prefix ${prefix})`]);
      expect((await ok(pete, "history:fetch", { room: "old-room" })).messages).toHaveLength(4);
      expect(await redis.xLen(`${prefix}:user:{Olga}:inbox`)).toBe(1);
    } finally {
      await server.stop();
    }
  }, 90_000);
});
