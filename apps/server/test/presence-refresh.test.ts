import { describe, expect, it } from "vitest";
import { presenceTtlMs, type PresenceSession } from "../src/presence/presence-store.ts";
import { refreshChunkSessions } from "../src/presence/redis-presence-store.ts";
import { sleep } from "@chat/test-kit";
import { redisPresenceStoreForTests } from "./support/presence-redis.ts";

/**
 * A process refreshes all of its sessions at each tick, several script calls' worth when it
 * holds many. Every session refreshed outlives the expiry it had when it entered; the ones
 * left out expire and are swept, each user once.
 */
describe("presence refresh of many sessions", () => {
  const presence = redisPresenceStoreForTests();

  it(`keeps every refreshed session (more than ${refreshChunkSessions} of them) present past its first expiry, and sweeps the rest`, async () => {
    const store = presence.store();
    const users = Array.from({ length: Math.ceil((refreshChunkSessions * 5) / 4) }, (_, i) => `kept${i}`);
    const room = "room:crowd";
    const kept: PresenceSession[] = users.flatMap((user, i) => [
      { scope: "online", user, socketId: `socket-${i}` },
      { scope: room, user, socketId: `socket-${i}` },
    ]);
    // Two sessions of one user in the room, one refreshed: the user stays.
    kept.push({ scope: room, user: "kept0", socketId: "socket-second" });
    const dropped: PresenceSession[] = ["gone0", "gone1", "gone2"].map((user) => ({ scope: room, user, socketId: `socket-${user}` }));
    dropped.push({ scope: room, user: "kept0", socketId: "socket-third" });

    const enteredAt = Date.now();
    await Promise.all([...kept, ...dropped].map((session) => store.enter(session)));
    expect(await store.list(room)).toHaveLength(users.length + 3);

    // Refreshed halfway through their life, from an iterable read as it is sent.
    await sleep(presenceTtlMs / 2);
    let read = 0;
    await store.refresh(
      (function* () {
        for (const session of kept) {
          read++;
          yield session;
        }
      })(),
    );
    expect(read).toBe(kept.length);

    // Past the expiry they had when they entered.
    await sleep(Math.max(0, enteredAt + presenceTtlMs + 1_000 - Date.now()));
    const gone = await store.sweep();
    expect(gone.map(({ scope, user }) => `${scope} ${user}`).sort()).toEqual([`${room} gone0`, `${room} gone1`, `${room} gone2`]);
    expect(await store.list(room)).toEqual([...users].sort());
    expect(await store.list("online")).toEqual([...users].sort());
    expect(await store.isPresent(room, "kept0")).toBe(true);
    expect(await store.isPresent(room, "gone1")).toBe(false);
    expect(await store.sweep()).toEqual([]);
  });
});
