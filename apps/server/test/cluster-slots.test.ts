import { randomBytes } from "node:crypto";
import { createClient, createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsOnDifferentWorkers,
  connectClient,
  quickPresence,
  quickPresenceEnv,
  type RedisCluster,
  type RunningServer,
  startRedisCluster,
  startServer,
  type TestClient,
} from "@chat/test-kit";
import { roomOf } from "../src/app/rooms.ts";
import { roomLogKey } from "../src/messages/message-keys.ts";
import { RedisMessageStore } from "../src/messages/redis-message-store.ts";
import { RedisPresenceStore } from "../src/presence/redis-presence-store.ts";
import { adapterEnvelope } from "../src/seams/adapter-envelope.ts";
import { LuaScript } from "../src/redis/lua-script.ts";
import type { RedisCommands } from "../src/redis/redis-commands.ts";
import { redisErrors } from "./support/redis-errors.ts";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, say, tell } from "./support/requests.ts";

/**
 * Every Redis path of the server on a Redis in cluster mode, which refuses what a Redis
 * Cluster refuses (keys of two slots in one command or script, a script touching a key of a
 * slot it did not declare, a shard channel of another slot than the script's keys): one node
 * holding every slot (REDIS_URL), and three masters (REDIS_CLUSTER_NODES). Rooms, batches,
 * history, direct messages and their retries, presence (arrivals, lists, a dead process
 * swept), typing, private rooms, the send and event limits, the room quota and the per-user
 * connection limit, through two workers: everything works, and no node answered a command
 * with an error.
 */
describe.each([
  { kind: "one node serving every slot, through REDIS_URL", masters: 1 },
  { kind: "three masters, through REDIS_CLUSTER_NODES", masters: 3 },
])("a Redis in cluster mode ($kind): every script path", ({ masters }) => {
  let redisCluster: RedisCluster;
  let server: RunningServer;
  let ann: TestClient;
  let bob: TestClient;
  let atBob: Recorder;
  const clients: TestClient[] = [];
  const room = `slots-${randomBytes(3).toString("hex")}`;
  let closeGhost = async () => {};

  beforeAll(async () => {
    redisCluster = await startRedisCluster({ masters, replicasPerMaster: 0 });
    const redisAt = masters === 1 ? { REDIS_URL: redisCluster.nodes[0]?.url } : { REDIS_CLUSTER_NODES: redisCluster.seeds, REDIS_WAIT_REPLICAS: "0" };
    server = await startServer({
      workers: 2,
      // Presence that expires in seconds: the dead process's session is swept sooner.
      env: { ...redisAt, ...quickPresenceEnv, MAX_CONNECTIONS_PER_USER: "2", MAX_ROOMS_PER_USER_PER_DAY: "3" },
    });
    const pair = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["Ann", "Bob"]);
    ({ a: ann, b: bob } = pair);
    clients.push(ann, bob, ...pair.extra);
    pair.extra.forEach((client) => client.close());
    atBob = record(bob);
  }, 90_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await closeGhost();
    await server?.stop();
    await redisCluster?.close();
  }, 60_000);

  it("a process that dies holding a session in a room: swept by the server, the room hears presence:left", async () => {
    await ok(ann, "room:join", { room });
    await ok(bob, "room:join", { room });
    // A presence store of a process that enters one session and then dies (never beats).
    const ghostRedis: RedisCommands & { quit(): Promise<unknown> } =
      masters === 1
        ? await createClient({ url: redisCluster.nodes[0]?.url }).connect()
        : await createCluster({ rootNodes: redisCluster.nodes.map(({ url }) => ({ url })) }).connect();
    closeGhost = async () => void (await ghostRedis.quit());
    const ghost = new RedisPresenceStore(ghostRedis, server.prefix, quickPresence);
    await ghost.enter({ scope: roomOf(room), user: "Ghost", socketId: "ghost-socket" });
    expect((await ok(bob, "presence:who", { room })).users).toEqual(["Ann", "Bob", "Ghost"]);
    await atBob.next("presence:left", (change) => change.user === "Ghost", quickPresence.ttlMs + 2 * quickPresence.refreshMs + 5_000);
    expect((await ok(ann, "presence:who", { room })).users).toEqual(["Ann", "Bob"]);
  }, 60_000);

  it("room lines: delivered across workers, a retry answered with its first id, a burst stored in order, history", async () => {
    const first = await say(ann, room, "hello across slots", "cid-slots-1");
    expect(await say(ann, room, "hello across slots", "cid-slots-1")).toBe(first);
    await atBob.next("message:new", (message) => message.id === first);
    const burst = await Promise.all(["b1", "b2", "b3", "b4"].map((text) => say(ann, room, text)));
    await atBob.next("message:new", (message) => message.id === burst[3]);
    const history = await ok(bob, "history:fetch", { room });
    expect(history.messages.map(({ text }) => text)).toEqual(["hello across slots", "b1", "b2", "b3", "b4"]);
    expect(atBob.of("message:new").filter((message) => message.id === first)).toHaveLength(1);
  });

  it("typing reaches the other worker", async () => {
    await ok(ann, "typing:start", { room });
    await atBob.next("typing:started", (notice) => notice.user === "Ann" && notice.room === room);
  });

  it("direct messages: delivered once, a retry answered with the first id, both inboxes", async () => {
    const id = await tell(ann, "Bob", "psst", "cid-dm-slots");
    expect(await tell(ann, "Bob", "psst", "cid-dm-slots")).toBe(id);
    const { data } = await atBob.next("dm:new", (message) => message.text === "psst");
    expect((await ok(bob, "dm:fetch", {})).messages.map(({ text }) => text)).toEqual(["psst"]);
    expect((await ok(ann, "dm:fetch", {})).messages.map(({ id: own }) => own)).toEqual([id]);
    expect(data.sentAt).toBe((await ok(ann, "dm:fetch", {})).messages[0]?.sentAt);
    expect(await refused(ann, "dm:send", { to: "Nobody", text: "hi" })).toMatchObject({ code: "not_found" });
    await tell(ann, "Ann", "note to self");
    expect(atBob.of("dm:new").filter((message) => message.text === "psst")).toHaveLength(1);
  });

  it("private rooms: created, a stranger refused, an invitee let in, listed", async () => {
    const secret = `${room}-private`;
    await ok(ann, "room:create", { room: secret, private: true });
    expect(await refused(bob, "room:join", { room: secret })).toMatchObject({ code: "not_invited" });
    await ok(ann, "room:invite", { room: secret, user: "Bob" });
    await ok(bob, "room:join", { room: secret });
    await say(bob, secret, "inside");
    expect((await ok(bob, "room:list")).rooms).toContain(secret);
  });

  it("limits: the room quota, the send limit and the connection limit of one user refuse with their codes", async () => {
    const carl = await connectClient(server.url, "Carl");
    clients.push(carl);
    const created: string[] = [];
    for (let i = 0; i < 3; i++) created.push((await ok(carl, "room:create", { room: `${room}-carl-${i}` })).room);
    expect(await refused(carl, "room:create", { room: `${room}-carl-3` })).toMatchObject({ code: "room_quota_exceeded" });
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => ok(carl, "message:send", { room: created[0] ?? "", text: `fast ${i}` }).then(
        () => "ok",
        (error: Error) => (error.message.includes("rate_limited") ? "rate_limited" : error.message),
      )),
    );
    expect(new Set(answers)).toEqual(new Set(["ok", "rate_limited"]));
    clients.push(await connectClient(server.url, "Carl"));
    await expect(connectClient(server.url, "Carl")).rejects.toThrow();
  });

  it.runIf(masters === 3)("a thousand rooms spread over the three masters, about a third each, each room's keys on one", async () => {
    const cluster = await createCluster({ rootNodes: redisCluster.nodes.map(({ url }) => ({ url })) }).connect();
    try {
      const store = new RedisMessageStore(cluster, server.prefix, adapterEnvelope);
      const rooms = Array.from({ length: 1000 }, (_, i) => `spread-${i}`);
      for (let i = 0; i < rooms.length; i += 100) {
        await Promise.all(rooms.slice(i, i + 100).map((name) => store.postToRoom({ room: name, from: "Ann", text: "hi", clientId: `c-${name}`, senderSocket: "s" })));
      }
      const perMaster: number[] = [];
      for (const node of redisCluster.nodes) {
        const redis = await createClient({ url: node.url }).connect();
        let logs = 0;
        for await (const keys of redis.scanIterator({ MATCH: `${server.prefix}:room:{spread-*}:*`, COUNT: 1000 })) {
          for (const key of keys) {
            // A room's log and its dedupe key are on the same master.
            const room = /\{([^}]+)\}/.exec(key)?.[1] ?? "";
            expect((await redisCluster.masterOf(roomLogKey(server.prefix, room))).port).toBe(node.port);
            if (key.endsWith(":log")) logs++;
          }
        }
        await redis.quit();
        perMaster.push(logs);
      }
      expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(rooms.length);
      for (const count of perMaster) expect(count).toBeGreaterThan(250);
      for (const count of perMaster) expect(count).toBeLessThan(420);
    } finally {
      await cluster.quit();
    }
  }, 120_000);

  it("no node answered a command with an error, and no worker logged one", async () => {
    for (const node of redisCluster.nodes) expect(await redisErrors(node.url)).toEqual([]);
    expect(server.lines.filter((line) => /error|CROSSSLOT/i.test(line))).toEqual([]);
  });

  // Last: its refusals are errors the test before counts.
  it("what the paths above never do is refused here: a script with keys of two slots, or building one of another slot", async () => {
    const url = redisCluster.nodes[0]?.url;
    const redis = await createClient({ url }).connect();
    try {
      const [here, there] = [`${server.prefix}:{slots-a}`, `${server.prefix}:{slots-b}`];
      await expect(new LuaScript("return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)").run(redis, [here, there], [])).rejects.toThrow(/CROSSSLOT|same slot/);
      // Both in the slot of the node asked, so that no redirection hides what the script does.
      const local = await redisCluster.masterOf(here);
      const other = [`${server.prefix}:{slots-c}`, `${server.prefix}:{slots-d}`, `${server.prefix}:{slots-e}`].find((key) => redisCluster.slotOf(key) !== redisCluster.slotOf(here)) ?? there;
      const atLocal = await createClient({ url: local.url }).connect();
      try {
        await expect(new LuaScript("return redis.call('SET', ARGV[1], 1)").run(atLocal, [here], [other])).rejects.toThrow(/slot|MOVED|non local/i);
      } finally {
        await atLocal.quit();
      }
    } finally {
      await redis.quit();
    }
  });
});
