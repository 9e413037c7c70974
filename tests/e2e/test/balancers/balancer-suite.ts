import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserName } from "@chat/protocol";
import { boundedOr, collect, connectClient, pollUntil, quickPresence, quickPresenceEnv, stopAllBalancers, type TestClient } from "@chat/test-kit";
import {
  agentFrom,
  behindBalancer,
  connectElsewhere,
  instanceOf,
  killInstance,
  startBalancerRig,
  stopBalancerRig,
  type BalancerRig,
  type Instance,
  type StartBalancer,
} from "./balancer-rig.ts";
import { chatBehind, connection, expectedFor, historyOf, shownTo, writeNumbered, type User } from "./chat-behind.ts";

/**
 * What both balancers must do, run against each from its file: chat across the three
 * instances over every transport, an instance drained, an instance killed. The tests run in
 * order on one rig: the drain takes one instance away for good, the kill a second.
 */
export interface BalancerCase {
  start: StartBalancer;
  /**
   * The line the balancer prints when it takes an instance out of service, if it says so
   * (HAProxy does; nginx open source marks an instance failed without a word).
   */
  downLine?: (instance: Instance) => RegExp;
  /**
   * Whether the instances expire presence in seconds (the test kit's `quickPresence`), so that
   * the killed instance's user is gone sooner; otherwise the server's defaults, whose bound
   * the README states.
   */
  quickPresence?: boolean;
}

/**
 * A dead process's users leave presence within PRESENCE_TTL_MS after its last beat, swept at
 * the next PRESENCE_REFRESH_MS: 20 s with the server's defaults (15 s and 5 s). A little
 * slack on a busy machine.
 */
const defaultPresenceBoundMs = 20_000;
const presenceSlackMs = 10_000;

export function balancerSuite(kind: string, { start, downLine, quickPresence: quick = false }: BalancerCase): void {
  const presenceBoundMs = quick ? quickPresence.ttlMs + quickPresence.refreshMs : defaultPresenceBoundMs;
  describe(`${kind} in front of three instances`, () => {
    let rig: BalancerRig | undefined;
    const users: User[] = [];
    const raw: TestClient[] = [];
    const live = (): BalancerRig => {
      if (rig === undefined) throw new Error("the rig did not start");
      return rig;
    };
    const user = async (name: UserName, room: string, taken: ReadonlySet<Instance>) => {
      const placed = await connectElsewhere(
        live(),
        taken,
        async (agent, address) => {
          const candidate = chatBehind(live(), name, room, agent, address);
          users.push(candidate);
          return { client: candidate, socketId: await connection(candidate) };
        },
        (candidate) => candidate.chat.close(),
      );
      return { ...placed, user: placed.client };
    };
    const rawClient = async (name: string, options: Parameters<typeof connectClient>[2], taken: ReadonlySet<Instance>) => {
      const placed = await connectElsewhere(
        live(),
        taken,
        async (agent) => {
          const socket = await connectClient(live().balancer.url, name, { ...options, ...behindBalancer(agent) });
          raw.push(socket);
          return { client: socket, socketId: socket.id ?? "" };
        },
        (socket) => socket.disconnect(),
      );
      return placed;
    };

    beforeAll(async () => {
      rig = await startBalancerRig(start, quick ? quickPresenceEnv : {});
    }, 120_000);

    afterAll(async () => {
      users.forEach((each) => each.chat.close());
      raw.forEach((socket) => socket.disconnect());
      await stopBalancerRig(rig);
      await stopAllBalancers();
    }, 60_000);

    it("a WebSocket, a long-polling and a polling-then-upgrading user, each on another instance, each get the other two's lines", async () => {
      const transports = [
        { name: "W", options: { transports: ["websocket"] } },
        { name: "P", options: { transports: ["polling"] } },
        { name: "U", options: { transports: ["polling", "websocket"] } },
      ] as const;
      const taken = new Set<Instance>();
      const clients = new Map<string, TestClient>();
      for (const { name, options } of transports) {
        const placed = await rawClient(name, { transports: [...options.transports] }, taken);
        taken.add(placed.instance);
        clients.set(name, placed.client);
      }
      expect(taken.size).toBe(3);
      const [w, p, u] = ["W", "P", "U"].map((name) => clients.get(name) as TestClient) as [TestClient, TestClient, TestClient];

      // The upgrade went through the balancer to the same instance as the polling before it.
      const upgraded = await pollUntil(() => u.io.engine.transport.name === "websocket", 20_000);
      expect(upgraded, "U never upgraded to a WebSocket").toBe(true);

      const seen = new Map([...clients].map(([name, socket]) => [name, collect(socket, "message:new")]));
      for (const [name, socket] of clients) {
        const ack = await socket.timeout(15_000).emitWithAck("message:send", { room: "lobby", text: `hello from ${name}` });
        expect(ack, `${name}'s send`).toMatchObject({ ok: true });
      }
      const texts = (name: string) => (seen.get(name) ?? []).map((message) => `${message.from}: ${message.text}`).sort();
      await pollUntil(() => [...seen.values()].every((messages) => messages.length >= 2), 15_000);
      expect(texts("W")).toEqual(["P: hello from P", "U: hello from U"]);
      expect(texts("P")).toEqual(["U: hello from U", "W: hello from W"]);
      expect(texts("U")).toEqual(["P: hello from P", "W: hello from W"]);
      // Each stayed on its transport: P polled throughout, W never polled.
      expect(p.io.engine.transport.name).toBe("polling");
      expect(w.io.engine.transport.name).toBe("websocket");
      [w, p, u].forEach((socket) => socket.disconnect());
    });

    /**
     * A writes from the instance that goes away, B from another, C listens on the third;
     * `remove` takes A's instance away in the middle of the writing.
     */
    const throughTheLoss = async (room: string, remove: (victim: Instance, victimsAddress: string) => void) => {
      const taken = new Set<Instance>();
      const a = await user("A", room, taken);
      taken.add(a.instance);
      const b = await user("B", room, taken);
      taken.add(b.instance);
      const c = await user("C", room, taken);
      const victim = a.instance;
      await writeNumbered([a.user, b.user], room, 30, 120, new Map([[10, () => remove(victim, a.address)]]));
      const outgoing = await Promise.all([a.user, b.user].flatMap((writer) => writer.sends.map((send) => send.result)));
      return { a, b, c, victim, outgoing };
    };

    /** Every line stored once, in the order written; each user shown exactly the others' lines, in the order stored, each once. */
    const countEveryMessage = async (room: string, writers: readonly User[], everyone: readonly User[]) => {
      const history = await historyOf(live(), room);
      for (const writer of writers) {
        expect(
          history.filter((message) => message.from === writer.name).map((message) => message.text),
          `${writer.name}'s lines in the room's history`,
        ).toEqual(writer.sends.map((send) => send.text));
      }
      await pollUntil(() => everyone.every((each) => shownTo(each, room).length >= expectedFor(history, each).length), 30_000);
      for (const each of everyone) expect(shownTo(each, room), `what ${each.name} was shown`).toEqual(expectedFor(history, each));
    };

    it("an instance drained with SIGTERM: no new connection reaches it, its users reconnect to the others and nothing is lost", async () => {
      const room = "drained";
      let exited: Promise<unknown> = Promise.resolve();
      let late: Promise<TestClient> | undefined;
      const { a, b, c, victim, outgoing } = await throughTheLoss(room, (instance, address) => {
        exited = instance.server.stop("SIGTERM");
        // A newcomer from A's own address (the one that led to the instance now draining),
        // arriving while it drains, is sent elsewhere.
        late = connectClient(live().balancer.url, "D", behindBalancer(agentFrom(address)));
      });
      const exit = await boundedOr(exited, 30_000, "still running");
      expect(exit, `${victim.name} after SIGTERM`).toEqual({ code: 0, signal: null });
      expect(outgoing.map((sent) => sent.status)).toEqual(outgoing.map(() => "sent"));

      // A came back through the balancer, on another instance.
      const again = await connection(a.user, 2);
      expect((await instanceOf(live(), again)).name).not.toBe(victim.name);
      if (downLine !== undefined) {
        expect(await pollUntil(() => live().balancer.lines.some((line) => downLine(victim).test(line)), 10_000)).toBe(true);
      }
      const newcomer = await (late ?? Promise.reject(new Error("no newcomer")));
      raw.push(newcomer);
      expect((await instanceOf(live(), newcomer.id ?? "")).name).not.toBe(victim.name);
      newcomer.disconnect();

      await countEveryMessage(room, [a.user, b.user], [a.user, b.user, c.user]);
      [a, b, c].forEach((each) => each.user.chat.close());
    });

    it(`an instance killed with SIGKILL: its users reconnect to the survivors, nothing is lost, and a user who does not come back leaves presence within ${presenceBoundMs / 1000} s`, async () => {
      const room = "killed";
      const rigNow = live();
      const standing = rigNow.instances.filter((instance) => instance.server.child.exitCode === null);
      expect(standing.length).toBe(2);
      const down = new Set(rigNow.instances.filter((instance) => !standing.includes(instance)));

      // A and B on the two standing instances (C shares one); Q, who will not come back, on A's.
      const a = await user("A2", room, down);
      const b = await user("B2", room, new Set([...down, a.instance]));
      const c = await user("C2", room, down);
      const elsewhere = new Set(rigNow.instances.filter((instance) => instance !== a.instance));
      const quitter = await rawClient("Q", { transports: ["websocket"] }, elsewhere);
      const watcher = await rawClient("R", { transports: ["websocket"] }, new Set([...down, a.instance]));
      const who = async () => {
        const ack = await watcher.client.timeout(10_000).emitWithAck("presence:who", { room: "lobby" });
        return ack.ok ? ack.data.users : [];
      };
      expect(await who()).toContain("Q");

      let killedAt = 0;
      await writeNumbered([a.user, b.user], room, 30, 120, new Map([[10, () => {
        killedAt = Date.now();
        killInstance(a.instance);
      }]]));
      const outgoing = await Promise.all([a.user, b.user].flatMap((writer) => writer.sends.map((send) => send.result)));
      expect(outgoing.map((sent) => sent.status)).toEqual(outgoing.map(() => "sent"));
      expect(a.instance.server.child.signalCode).toBe("SIGKILL");

      const again = await connection(a.user, 2);
      expect((await instanceOf(rigNow, again)).name).toBe(b.instance.name);
      await countEveryMessage(room, [a.user, b.user], [a.user, b.user, c.user]);

      // Q's session died with its instance: gone from presence within the bound, while the others stay.
      const gone = await pollUntil(async () => !(await who()).includes("Q"), Math.max(0, killedAt + presenceBoundMs + presenceSlackMs - Date.now()), 500);
      expect(gone, `Q still online ${Date.now() - killedAt} ms after the kill`).toBe(true);
      expect(await who()).toEqual(expect.arrayContaining(["R"]));
      quitter.client.disconnect();
      [a, b, c].forEach((each) => each.user.chat.close());
    });
  });
}
