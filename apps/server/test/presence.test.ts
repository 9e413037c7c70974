import type { PresenceChange } from "@chat/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  clusterWorkerId,
  isAlive,
  killIfSame,
  quickPresence,
  quickPresenceEnv,
  sleep,
  startTimeOf,
  type TestClient,
  waitUntil,
} from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";

type Presence = { kind: "joined" | "left" } & PresenceChange;

/** The presence notices a recorder has received so far, in order, optionally only about `user`. */
const presenceAt = (recorder: Recorder, user?: string): Presence[] =>
  recorder.all.flatMap((entry): Presence[] => {
    if (entry.event === "presence:joined") return [{ kind: "joined", ...entry.data }];
    if (entry.event === "presence:left") return [{ kind: "left", ...entry.data }];
    return [];
  }).filter((change) => user === undefined || change.user === user);

describe("presence across two workers and two instances", () => {
  let topology: Topology;
  const recorders = new Map<TestClient, Recorder>();
  const rec = (client: TestClient): Recorder => {
    const recorder = recorders.get(client);
    if (recorder === undefined) throw new Error("no recorder");
    return recorder;
  };
  const watch = (client: TestClient): TestClient => {
    recorders.set(client, record(client));
    return client;
  };

  beforeAll(async () => {
    topology = await startTopology();
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  it("presence:who lists each user once, sorted, though U has sessions on both workers of one instance and on the other instance", async () => {
    const room = unique("who");
    const u1 = await topology.connect("U", "one:1");
    const u2 = await topology.connect("U", "one:2");
    const u3 = await topology.connect("U", "two:1");
    const v = await topology.connect("V", "one:2");
    for (const client of [u1, u2, u3, v]) await ok(client, "room:join", { room });
    for (const asker of [u1, u2, u3, v]) {
      expect(await ok(asker, "presence:who", { room })).toEqual({ room, users: ["U", "V"] });
      const lobby = await ok(asker, "presence:who", { room: "lobby" });
      expect(lobby.users.filter((user) => user === "U")).toEqual(["U"]);
      expect(lobby.users).toEqual([...new Set(lobby.users)].sort());
    }
    // U stays while any of its sessions is in the room.
    await ok(u1, "room:leave", { room });
    await ok(u3, "room:leave", { room });
    expect(await ok(v, "presence:who", { room })).toEqual({ room, users: ["U", "V"] });
    await ok(u2, "room:leave", { room });
    expect(await ok(v, "presence:who", { room })).toEqual({ room, users: ["V"] });
    // Sessions that left the room no longer see who is in it; nor does anyone see an empty room they are not in.
    for (const asker of [u1, u2, u3]) expect((await refused(asker, "presence:who", { room })).code).toBe("forbidden");
    expect((await refused(u3, "presence:who", { room: unique("empty") })).code).toBe("forbidden");
    for (const client of [u1, u2, u3, v]) client.close();
  });

  it("presence:joined only for a user's first session in a room and presence:left only when its last leaves, seen on the other worker and the other instance", async () => {
    // chatRoomsOf sorts a connection's rooms and a disconnection leaves them in that order:
    // lobby < p-* < zz-*. W1's departure from `last` (where it is W's only session) is
    // announced after whatever its departure from the lobby and `room` would announce.
    const room = unique("p");
    const last = unique("zz");
    const o1 = watch(await topology.connect("O1", "one:1"));
    const o2 = watch(await topology.connect("O2", "two:1"));
    for (const observer of [o1, o2]) {
      await ok(observer, "room:join", { room });
      await ok(observer, "room:join", { room: last });
    }
    const observers = [o1, o2];
    const w1 = watch(await topology.connect("W", "one:2"));
    const w2 = watch(await topology.connect("W", "two:1"));
    /** `from` says something in `where`; the observers have everything published before it once they have it. */
    const barrier = async (from: TestClient, where: string) => {
      const text = unique("barrier");
      await say(from, where, text);
      await Promise.all(observers.map((observer) => rec(observer).next("message:new", (m) => m.text === text)));
    };
    const inRooms = (observer: TestClient, rooms: string[]) =>
      presenceAt(rec(observer), "W").filter((change) => rooms.includes(change.room));

    // First session in: joined, on both sides.
    await ok(w1, "room:join", { room });
    for (const observer of observers) {
      await rec(observer).next("presence:joined", (change) => change.room === room && change.user === "W");
    }
    // Second session in (other instance): nothing.
    await ok(w2, "room:join", { room });
    await barrier(w2, room);
    // First session out: nothing; and back in: nothing.
    await ok(w1, "room:leave", { room });
    await barrier(w1, "lobby");
    await ok(w1, "room:join", { room });
    await barrier(w1, room);
    for (const observer of observers) expect(inRooms(observer, [room])).toEqual([{ kind: "joined", room, user: "W" }]);

    // W1, W's only session in `last`, disconnects: it leaves the lobby, `room` and `last`, in that order.
    await ok(w1, "room:join", { room: last });
    for (const observer of observers) {
      await rec(observer).next("presence:joined", (change) => change.room === last && change.user === "W");
    }
    w1.close();
    for (const observer of observers) {
      const { index } = await rec(observer).next("presence:left", (change) => change.room === last && change.user === "W");
      expect(rec(observer).before(index, "presence:left").filter((change) => change.user === "W")).toEqual([]);
    }
    // The last session leaves `room`: left; then it disconnects: left from the lobby.
    await ok(w2, "room:leave", { room });
    for (const observer of observers) {
      await rec(observer).next("presence:left", (change) => change.room === room && change.user === "W");
    }
    w2.close();
    for (const observer of observers) {
      await rec(observer).next("presence:left", (change) => change.room === "lobby" && change.user === "W");
      expect(inRooms(observer, [room, last])).toEqual([
        { kind: "joined", room, user: "W" },
        { kind: "joined", room: last, user: "W" },
        { kind: "left", room: last, user: "W" },
        { kind: "left", room, user: "W" },
      ]);
      // Two sessions in the lobby, one arrival and one departure.
      expect(inRooms(observer, ["lobby"]).map(({ kind }) => kind)).toEqual(["joined", "left"]);
    }
    // A user is never told about its own comings and goings.
    expect(presenceAt(rec(w1), "W")).toEqual([]);
    expect(presenceAt(rec(w2), "W")).toEqual([]);
    for (const observer of observers) expect(await ok(observer, "presence:who", { room })).toEqual({ room, users: ["O1", "O2"] });
  });

  it("a user present only on instance two is listed and announced on instance one, and the reverse", async () => {
    const room = unique("across");
    const x = watch(await topology.connect("X", "two:1"));
    const y = watch(await topology.connect("Y", "one:1"));
    await ok(y, "room:join", { room });
    await ok(x, "room:join", { room });
    await rec(y).next("presence:joined", (change) => change.room === room && change.user === "X");
    expect(await ok(y, "presence:who", { room })).toEqual({ room, users: ["X", "Y"] });
    await ok(x, "room:leave", { room });
    await rec(y).next("presence:left", (change) => change.room === room && change.user === "X");
    expect(await ok(y, "presence:who", { room })).toEqual({ room, users: ["Y"] });
    const mark = rec(y).all.length;
    await ok(x, "room:join", { room });
    await rec(y).next("presence:joined", (change) => change.room === room && change.user === "X", 15_000, mark);
    y.close();
    await rec(x).next("presence:left", (change) => change.room === room && change.user === "Y");
    expect(await ok(x, "presence:who", { room })).toEqual({ room, users: ["X"] });
    expect(presenceAt(rec(y), "X").filter((change) => change.room === room).map(({ kind }) => kind)).toEqual(["joined", "left", "joined"]);
    x.close();
  });

  it("no client received anything that fails the protocol's schemas", () => {
    for (const recorder of recorders.values()) expect(recorder.malformed).toEqual([]);
  });
});

/**
 * A process that dies without a word leaves its sessions in Redis; they expire after
 * PRESENCE_TTL_MS without a refresh, and the live processes sweep every PRESENCE_REFRESH_MS:
 * both short here (`quickPresence`), as a deployment may set them.
 */
const { ttlMs, refreshMs } = quickPresence;
const boundMs = ttlMs + refreshMs + 5_000;
const pollEveryMs = 500;

describe(`presence after a crash: gone within ${boundMs / 1000} s (PRESENCE_TTL_MS ${ttlMs / 1000} s + PRESENCE_REFRESH_MS ${refreshMs / 1000} s + 5 s margin)`, () => {
  let topology: Topology | undefined;
  afterEach(async () => {
    await topology?.close();
    topology = undefined;
  }, 60_000);

  /**
   * Polls `presence:who` from `asker` every 500 ms until `user` is gone from `room`; the
   * milliseconds from `since`, or a failure once the bound has passed.
   */
  async function goneFromWho(asker: TestClient, room: string, user: string, since: number): Promise<number> {
    for (;;) {
      const { users } = await ok(asker, "presence:who", { room });
      const elapsed = Date.now() - since;
      if (!users.includes(user)) return elapsed;
      if (elapsed > boundMs) throw new Error(`${user} still in presence:who ${room} ${elapsed} ms after the crash: ${users.join(", ")}`);
      await sleep(pollEveryMs);
    }
  }

  /** The presence:left for `user` in `room` at `recorder`: the milliseconds from `since`, within the bound. */
  async function leftWithin(recorder: Recorder, room: string, user: string, since: number): Promise<number> {
    await recorder.next(
      "presence:left",
      (change) => change.room === room && change.user === user,
      Math.max(boundMs - (Date.now() - since), 1),
    );
    return Date.now() - since;
  }

  async function checkCrash(
    crashed: string,
    room: string,
    askers: TestClient[],
    members: Recorder[],
    survivors: string[],
    kill: () => void,
  ): Promise<void> {
    for (const asker of askers) expect((await ok(asker, "presence:who", { room })).users).toContain(crashed);
    const since = Date.now();
    kill();
    const elapsed = await Promise.all([
      ...askers.map((asker) => goneFromWho(asker, room, crashed, since)),
      ...members.flatMap((member) => [leftWithin(member, room, crashed, since), leftWithin(member, "lobby", crashed, since)]),
    ]);
    for (const ms of elapsed) expect(ms).toBeLessThanOrEqual(boundMs);
    const who = elapsed.slice(0, askers.length).join(", ");
    const left = elapsed.slice(askers.length).join(", ");
    console.info(`${crashed} gone from presence:who after ${who} ms, presence:left after ${left} ms (bound ${boundMs} ms)`);
    for (const asker of askers) expect(await ok(asker, "presence:who", { room })).toEqual({ room, users: survivors });
    // One notice per room, not one per live process: wait for another sweep round, then count.
    await sleep(refreshMs + 1_000);
    for (const member of members) {
      const lefts = presenceAt(member, crashed).filter(({ kind }) => kind === "left");
      expect(lefts.map((change) => change.room).sort()).toEqual([room, "lobby"].sort());
    }
  }

  it(`SIGKILL of the worker holding X's only session: X leaves presence:who on the other instance and members on the other worker and instance get presence:left, within ${boundMs / 1000} s`, async () => {
    const top = await startTopology(quickPresenceEnv);
    topology = top;
    const room = unique("crash");
    const x = await top.connect("X", "one:2");
    const y = await top.connect("Y", "one:1");
    const m = await top.connect("M", "two:1");
    for (const client of [x, y, m]) await ok(client, "room:join", { room });
    const [atY, atM] = [record(y), record(m)];
    const pids = childPids(top.one.child.pid ?? -1).filter((pid) => clusterWorkerId(pid) === 2);
    expect(pids).toHaveLength(1);
    const pid = pids[0] ?? -1;
    const started = startTimeOf(pid);
    await checkCrash("X", room, [m, y], [atY, atM], ["M", "Y"], () => killIfSame(pid, started, "SIGKILL"));
    expect(isAlive(pid)).toBe(false);
    expect(atM.malformed).toEqual([]);
  }, 120_000);

  it(`SIGKILL of a whole instance (primary and worker) holding X's only session: X leaves presence:who and members on the other instance's two workers get presence:left, within ${boundMs / 1000} s`, async () => {
    const top = await startTopology(quickPresenceEnv);
    topology = top;
    const room = unique("crash");
    const x = await top.connect("X", "two:1");
    const m = await top.connect("M", "one:1");
    const n = await top.connect("N", "one:2");
    for (const client of [x, m, n]) await ok(client, "room:join", { room });
    const [atM, atN] = [record(m), record(n)];
    const primary = top.two.child.pid ?? -1;
    const workers = childPids(primary);
    expect(workers.map((pid) => clusterWorkerId(pid))).toContain(1);
    const processes = [...workers, primary].map((pid) => ({ pid, started: startTimeOf(pid) }));
    await checkCrash("X", room, [m, n], [atM, atN], ["M", "N"], () => {
      for (const { pid, started } of processes) killIfSame(pid, started, "SIGKILL");
    });
    await waitUntil("instance two's processes to be gone", () => (processes.every(({ pid }) => !isAlive(pid)) ? true : undefined));
    expect(atN.malformed).toEqual([]);
  }, 120_000);
});
