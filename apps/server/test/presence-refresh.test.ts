import { describe, expect, it } from "vitest";
import type { PresenceSession } from "../src/presence/presence-store.ts";
import { refreshChunkSessions } from "../src/presence/redis-presence-store.ts";
import { quickPresence, sleep } from "@chat/test-kit";
import { redisPresenceStoreForTests } from "./support/presence-redis.ts";

/**
 * A process keeps all of its sessions alive with one beat per refresh interval, however many
 * it holds, without reading them; when Redis lost them it enters them all again, several
 * script calls' worth when it holds many. A process that stops beating has its sessions
 * swept by another, each user once.
 */
describe("presence refresh of many sessions", () => {
  const presence = redisPresenceStoreForTests(quickPresence);
  const { ttlMs } = quickPresence;

  it(`keeps every session of a beating process (more than ${refreshChunkSessions} of them) past the expiry, and sweeps a silent one's`, async () => {
    const store = presence.store();
    const silent = presence.another();
    const users = Array.from({ length: Math.ceil((refreshChunkSessions * 5) / 4) }, (_, i) => `kept${i}`);
    const room = "room:crowd";
    const kept: PresenceSession[] = users.flatMap((user, i) => [
      { scope: "online", user, socketId: `socket-${i}` },
      { scope: room, user, socketId: `socket-${i}` },
    ]);
    // Two sessions of one user in the room, one on each process: the user stays.
    const dropped: PresenceSession[] = ["gone0", "gone1", "gone2"].map((user) => ({ scope: room, user, socketId: `socket-${user}` }));
    dropped.push({ scope: room, user: "kept0", socketId: "socket-second" });

    const enteredAt = Date.now();
    await Promise.all(kept.map((session) => store.enter(session)));
    await Promise.all(dropped.map((session) => silent.enter(session)));
    expect(await store.list(room)).toHaveLength(users.length + 3);

    // A beat reads none of the sessions while Redis holds them.
    let read = 0;
    const counted = function* () {
      for (const session of kept) {
        read++;
        yield session;
      }
    };
    await sleep(ttlMs / 2);
    await store.refresh(counted());
    expect(read).toBe(0);

    // Past the expiry: the silent process's sessions go, each user once; the others stay.
    await sleep(Math.max(0, enteredAt + ttlMs + 1_000 - Date.now()));
    await store.refresh(counted());
    const gone = await store.sweep();
    expect(gone.map(({ scope, user }) => `${scope} ${user}`).sort()).toEqual([`${room} gone0`, `${room} gone1`, `${room} gone2`]);
    expect(await store.list(room)).toEqual([...users].sort());
    expect(await store.list("online")).toEqual([...users].sort());
    expect(await store.isPresent(room, "kept0")).toBe(true);
    expect(await store.isPresent(room, "gone1")).toBe(false);
    expect(await store.sweep()).toEqual([]);
  }, 60_000);

  it("a process missing from Redis (it forgot everything) enters all of its sessions again at its next beat", async () => {
    const store = presence.another();
    const room = "room:rebuilt";
    const sessions: PresenceSession[] = Array.from({ length: refreshChunkSessions + 10 }, (_, i) => ({
      scope: i % 2 === 0 ? room : "online",
      user: `back${i}`,
      socketId: `socket-back-${i}`,
    }));
    await Promise.all(sessions.map((session) => store.enter(session)));
    await store.refresh(sessions);
    // Redis forgets everything (a restart without its data).
    await presence.forget();
    const sweeper = presence.another();
    expect(await sweeper.list(room)).toEqual([]);
    // Its next beat finds it missing and enters every session again.
    await store.refresh(sessions);
    const inRoom = sessions.filter(({ scope }) => scope === room).map(({ user }) => user);
    expect(await sweeper.list(room)).toEqual(inRoom.sort());
    expect(await sweeper.isPresent("online", "back1")).toBe(true);
    await sweeper.refresh([]);
    expect(await sweeper.sweep()).toEqual([]);
  }, 30_000);
});
