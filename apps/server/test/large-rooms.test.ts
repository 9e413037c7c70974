import { limits } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  connectClient,
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
import { ok, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";

/** The room size at which notices stop: one more than the limit. */
const max = limits.presenceNoticeMaxUsers;

/**
 * How long a member is given to receive a notice that must not come, once a later event
 * (a message, or a notice that must come) has shown that its connection delivers. It only
 * bounds the wait; a notice that did come would be caught whenever it arrived.
 */
const quietMs = 1_000;

/**
 * Rooms larger than `limits.presenceNoticeMaxUsers` announce no arrivals and no departures,
 * while `presence:who` still lists everyone. Members O (instance one, worker 1) and P (one,
 * worker 2) watch; `max - 3` fillers bring the members to `max - 1`. Then A arrives (the
 * room holds `max`: announced), B arrives (`max + 1`: not announced), B goes (back to `max`:
 * not announced), A goes (`max - 1`: announced); the lobby, which everyone is in, counts the
 * same way. Presence expires in seconds (`quickPresence`), for the crashed instance's user.
 */
describe(`rooms of more than ${max} users announce nobody`, () => {
  let topology: Topology;
  let o: TestClient;
  let p: TestClient;
  const fillerNames = Array.from({ length: max - 3 }, (_, i) => `filler${String(i).padStart(3, "0")}`);
  const fillers: TestClient[] = [];
  let atO: Recorder;
  let recorders: Recorder[] = [];

  beforeAll(async () => {
    topology = await startTopology(quickPresenceEnv);
    o = await topology.connect("O", "one:1");
    p = await topology.connect("P", "one:2");
    fillers.push(
      ...(await Promise.all(fillerNames.map((name) => connectClient(topology.one.url, name, { transports: ["websocket"], timeout: 60_000 })))),
    );
    atO = record(o);
    recorders = [atO, record(p)];
  }, 180_000);
  afterAll(async () => {
    for (const client of fillers) client.close();
    await topology?.close();
  }, 60_000);

  const members = () => [o, p, ...fillers];

  /** The presence notices about `user` a recorder has received, as `joined <room>` / `left <room>`. */
  const noticesOf = (recorder: Recorder, user: string): string[] =>
    recorder.all.flatMap((entry) => {
      if (entry.event === "presence:joined" && entry.data.user === user) return [`joined ${entry.data.room}`];
      if (entry.event === "presence:left" && entry.data.user === user) return [`left ${entry.data.room}`];
      return [];
    });

  /** Asks O's `presence:who` of `room` until `user` is gone from it (a departure is recorded after the disconnection). */
  const goneFrom = async (room: string, user: string) => {
    for (const deadline = Date.now() + 15_000; (await ok(o, "presence:who", { room })).users.includes(user); ) {
      if (Date.now() > deadline) throw new Error(`${user} still in presence:who ${room}`);
      await sleep(100);
    }
  };

  it(`announces the arrival and departure that leave the room at ${max} users or fewer, and not those that take it past ${max}`, async () => {
    const room = unique("crowd");
    await Promise.all(members().map((member) => ok(member, "room:join", { room })));
    // Every member's lobby entry was recorded before its room:join (one Redis connection a worker, in order).
    expect((await ok(o, "presence:who", { room })).users).toHaveLength(max - 1);
    expect((await ok(o, "presence:who", { room: "lobby" })).users).toHaveLength(max - 1);

    // A, on the other instance, makes `max`: announced in the lobby and in the room.
    const a = await topology.connect("A", "two:1");
    await ok(a, "room:join", { room });
    for (const recorder of recorders) {
      await recorder.next("presence:joined", (change) => change.user === "A" && change.room === "lobby");
      await recorder.next("presence:joined", (change) => change.user === "A" && change.room === room);
    }

    // B makes `max + 1`: neither its arrival in the lobby nor in the room is announced. Its
    // line, sent after it joined, arrives; no notice came before it, nor comes soon after.
    const b = await topology.connect("B", "one:1");
    await ok(b, "room:join", { room });
    const text = unique("after-joining");
    await say(b, room, text);
    for (const recorder of recorders) await recorder.next("message:new", (message) => message.text === text);
    await sleep(quietMs);
    for (const recorder of recorders) expect(noticesOf(recorder, "B")).toEqual([]);

    // Everyone is listed all the same.
    const everyone = ["A", "B", "O", "P", ...fillerNames].sort();
    expect(everyone).toHaveLength(max + 1);
    for (const asker of [o, p, a]) {
      expect(await ok(asker, "presence:who", { room })).toEqual({ room, users: everyone });
      expect(await ok(asker, "presence:who", { room: "lobby" })).toEqual({ room: "lobby", users: everyone });
    }

    // B leaves the room (back to `max`): not announced. A leaves it (`max - 1`): announced,
    // after B's departure would have been.
    await ok(b, "room:leave", { room });
    await ok(a, "room:leave", { room });
    for (const recorder of recorders) await recorder.next("presence:left", (change) => change.user === "A" && change.room === room);
    // B disconnects (the lobby back to `max`): not announced; then A (`max - 1`): announced.
    b.close();
    await goneFrom("lobby", "B");
    a.close();
    for (const recorder of recorders) await recorder.next("presence:left", (change) => change.user === "A" && change.room === "lobby");
    await sleep(quietMs);
    for (const recorder of recorders) {
      expect(noticesOf(recorder, "B")).toEqual([]);
      expect(noticesOf(recorder, "A")).toEqual([`joined lobby`, `joined ${room}`, `left ${room}`, `left lobby`]);
    }
    expect((await ok(o, "presence:who", { room })).users).toHaveLength(max - 1);
  }, 120_000);

  it(`does not announce a crashed instance's user in rooms it leaves at ${max} users, but does in a small room`, async () => {
    const room = unique("crowd");
    const small = unique("small");
    await Promise.all(members().map((member) => ok(member, "room:join", { room })));
    const c = await topology.connect("C", "one:2");
    await ok(c, "room:join", { room });
    await ok(o, "room:join", { room: small });
    // X, alone on instance two, is the `max + 1`th user of the room and of the lobby, and the second of `small`.
    const x = await topology.connect("X", "two:1");
    await ok(x, "room:join", { room });
    await ok(x, "room:join", { room: small });
    await atO.next("presence:joined", (change) => change.user === "X" && change.room === small);
    expect((await ok(o, "presence:who", { room })).users).toHaveLength(max + 1);
    expect((await ok(o, "presence:who", { room: "lobby" })).users).toHaveLength(max + 1);

    // Instance two dies without a word: X's sessions expire and a worker of instance one sweeps them.
    const primary = topology.two.child.pid ?? -1;
    const processes = [...childPids(primary), primary].map((pid) => ({ pid, started: startTimeOf(pid) }));
    for (const { pid, started } of processes) killIfSame(pid, started, "SIGKILL");
    await waitUntil("instance two's processes to be gone", () => (processes.every(({ pid }) => !isAlive(pid)) ? true : undefined));

    // X joined `small` last, so its session there expires last: once its departure from
    // `small` is announced, its departures from the room and the lobby have been swept too.
    const boundMs = quickPresence.ttlMs + quickPresence.refreshMs + 10_000;
    await atO.next("presence:left", (change) => change.user === "X" && change.room === small, boundMs);
    await sleep(quietMs);
    for (const recorder of recorders) {
      expect(noticesOf(recorder, "X").filter((notice) => notice !== `joined ${small}` && notice !== `left ${small}`)).toEqual([]);
    }
    const who = await ok(o, "presence:who", { room });
    expect(who.users).toHaveLength(max);
    expect(who.users).not.toContain("X");
    expect((await ok(o, "presence:who", { room: "lobby" })).users).not.toContain("X");
  }, 120_000);

  it("no member received anything that fails the protocol's schemas", () => {
    for (const recorder of recorders) expect(recorder.malformed).toEqual([]);
  });
});
