import { pollUntil, sleep, textsFrom } from "@chat/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanCount,
  countEveryMessage,
  finish,
  joinThree,
  startRig,
  stopRig,
  tail,
  workerExits,
  writeNumbered,
} from "./support/faults.ts";

/*
 * The Redis restart of redis-restart.test.ts on a slower network: the workers' subscribers
 * take a while to subscribe again (their SSUBSCRIBE reaches Redis `holdMs` late, while the
 * publishers are back and the writers' lines are stored and published without them), and
 * Redis's answer to it arrives together with the messages published just after it, in one
 * read, as TCP may hand them to a worker whose event loop was busy.
 *
 * node-redis hands on the messages that came in the same read as the answers to its
 * resubscription before it emits "ready". A worker that passed them on would let each client
 * show them first, moving its last shown id past everything published while the subscription
 * was down, and the catch-up on `sync:required` would then skip those lines for good. The
 * worker drops the messages of its subscriptions from the moment its subscriber is cut off
 * until it is ready again, its subscriptions renewed (apps/server/src/redis/clients.ts), so
 * the clients fetch them all, in order.
 */

const lines = 160;
const intervalMs = 125;
const crashAfter = 25;
const downMs = 3_000;
/** Longer than the workers' Redis reconnection delay (2 s at most) plus the client's retry pause (4 s at most). */
const holdMs = 8_000;
const batchMs = 1_000;

describe("Redis restarted while the workers' subscriptions come back slowly", () => {
  afterEach(stopRig, 60_000);

  it("loses nothing: every client prints exactly the stream's other messages, in stream order", async () => {
    const rig = await startRig({ proxy: true });
    const { server, redis, proxy } = rig;
    if (proxy === undefined) throw new Error("the rig has no proxy");
    const { a, b, c } = await joinThree(server);

    let restarted: Promise<void> | undefined;
    const during = new Map<number, () => Promise<void>>([
      [
        crashAfter,
        async () => {
          const flowing = await pollUntil(() => textsFrom(c.cli, "A").length > 0 && textsFrom(c.cli, "B").length > 0, 30_000);
          expect(flowing, `no lines of A and B reached C before the crash\n${tail(c)}`).toBe(true);
          proxy.slowResubscribe(holdMs, batchMs);
          await redis.kill();
          restarted = sleep(downMs).then(() => redis.start());
        },
      ],
    ]);
    await writeNumbered([a, b], lines, intervalMs, during);
    await restarted;
    const outcome = await finish(rig, [a, b], [c]);

    // The fault happened: both subscribers came back through the slow path (and maybe tried
    // before Redis was back: the proxy takes connections while Redis is away).
    expect(proxy.slowed).toBeGreaterThanOrEqual(2);
    for (const worker of [1, 2]) expect(server.lines).toContainEqual(`worker: ${worker}, redis subscriber connection restored`);
    expect(workerExits(server)).toEqual([]);

    expect(countEveryMessage(outcome, [a, b], [c])).toEqual(cleanCount([a, b], [c]));
  }, 300_000);
});
