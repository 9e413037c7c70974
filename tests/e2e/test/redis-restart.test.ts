import { isRunning, pollUntil, sleep, textsFrom } from "@chat/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanCount,
  connections,
  countEveryMessage,
  finish,
  joinThree,
  startRig,
  stopRig,
  tail,
  workerExits,
  writeNumbered,
} from "./support/faults.ts";

/** Each writer's lines: a steady stream a little under the server's default send limit (10 a second a connection). */
const lines = 90;
const intervalMs = 125;
/** Redis goes down once this many lines of each writer have been written... */
const crashAfter = 25;
/** ...and stays down this long while the writers go on (then starts on the same port and data). */
const downMs = 3_000;

describe("Redis killed (SIGKILL) and restarted on its data while two chat processes write and a third listens", () => {
  afterEach(stopRig, 60_000);

  it("loses, repeats and reorders nothing: every client prints exactly the stream's other messages, in stream order", async () => {
    const rig = await startRig();
    const { server, redis } = rig;
    const { a, b, c } = await joinThree(server);
    const before = rig.workers();
    expect([...before.keys()].sort()).toEqual([1, 2]);

    let restarted: Promise<void> | undefined;
    let storedBeforeCrash = 0;
    const during = new Map<number, () => Promise<void>>([
      [
        crashAfter,
        async () => {
          // Mid-stream for real: the listener has shown lines of both writers already.
          const flowing = await pollUntil(() => textsFrom(c.cli, "A").length > 0 && textsFrom(c.cli, "B").length > 0, 30_000);
          expect(flowing, `no lines of A and B reached C before the crash\n${tail(c)}`).toBe(true);
          storedBeforeCrash = textsFrom(c.cli, "A").length + textsFrom(c.cli, "B").length;
          // appendfsync always: whatever Redis acknowledged is on disk, so a crash loses none of it.
          await redis.kill();
          // The writers go on meanwhile; the restart is awaited after the last line.
          restarted = sleep(downMs).then(() => redis.start());
        },
      ],
    ]);
    await writeNumbered([a, b], lines, intervalMs, during);
    expect(restarted, "Redis was never stopped").toBeDefined();
    await restarted;

    const outcome = await finish(rig, [a, b], [c]);

    // The fault happened: both workers lost Redis and got their subscription back (which is
    // what sends `sync:required` to their clients), and it came in the middle of the stream.
    for (const worker of [1, 2]) {
      expect(server.lines, `worker ${worker} never lost Redis`).toContainEqual(
        expect.stringMatching(new RegExp(`^worker: ${worker}, redis subscriber connection lost`)),
      );
      expect(server.lines, `worker ${worker} never got its subscription back`).toContainEqual(
        `worker: ${worker}, redis subscriber connection restored`,
      );
    }
    expect(storedBeforeCrash).toBeGreaterThan(0);
    expect(storedBeforeCrash).toBeLessThan(outcome.stream.length);

    // (a) every client printed exactly the stream's messages from the others, in stream
    // order, each once; (b) every line written is stored exactly once, in the order written,
    // nothing failed, and both writers exited 0.
    expect(countEveryMessage(outcome, [a, b], [c])).toEqual(cleanCount([a, b], [c]));
    expect(outcome.stream.map((entry) => `${entry.from} ${entry.text}`).sort()).toEqual(
      [...a.written.map((text) => `A ${text}`), ...b.written.map((text) => `B ${text}`)].sort(),
    );

    // (c) No worker died, none of the clients had to reconnect, and the primary is up.
    expect(workerExits(server)).toEqual([]);
    for (const [id, ref] of before) expect(isRunning(ref), `worker ${id}`).toBe(true);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    for (const participant of [a, b, c]) expect(connections(participant.cli), tail(participant)).toHaveLength(1);
  }, 300_000);
});
