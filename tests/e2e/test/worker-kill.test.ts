import { afterEach, describe, expect, it } from "vitest";
import { isRunning, pollUntil, type ProcessRef, textsFrom } from "@chat/test-kit";
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
const lines = 60;
const intervalMs = 125;
/** The worker goes down once this many lines of each writer have been written. */
const killAfter = 20;

describe("a worker killed (SIGKILL) while two chat processes write and a third listens", () => {
  afterEach(stopRig, 60_000);

  it("loses, repeats and reorders nothing: every client prints exactly the stream's other messages, in stream order", async () => {
    const rig = await startRig();
    const { server } = rig;
    const { a, b, c } = await joinThree(server);
    // A and B are on different workers, so C shares one with a sender: kill that worker,
    // so that a writer and the listener both lose their connection, and the other writer
    // (on the surviving worker) sees the victim's lines come back.
    const victim = c.worker === a.worker ? a : b;
    const survivor = victim === a ? b : a;
    const before = rig.workers();
    expect([...before.keys()].sort()).toEqual([1, 2]);
    const victimProcess = before.get(victim.worker) as ProcessRef;
    const survivorProcess = before.get(survivor.worker) as ProcessRef;
    expect(survivor.worker).not.toBe(victim.worker);

    const during = new Map<number, () => Promise<void>>([
      [
        killAfter,
        async () => {
          // Mid-stream for real: the listener has shown lines of both writers already.
          const flowing = await pollUntil(() => textsFrom(c.cli, "A").length > 0 && textsFrom(c.cli, "B").length > 0, 30_000);
          expect(flowing, `no lines of A and B reached C before the kill\n${tail(c)}`).toBe(true);
          process.kill(victimProcess.pid, "SIGKILL");
        },
      ],
    ]);
    await writeNumbered([a, b], lines, intervalMs, during);

    const outcome = await finish(rig, [a, b], [c]);

    // The fault happened: the victim's worker is gone and both of its clients came back.
    expect(isRunning(victimProcess)).toBe(false);
    expect(connections(victim.cli).length, tail(victim)).toBeGreaterThanOrEqual(2);
    expect(connections(c.cli).length, tail(c)).toBeGreaterThanOrEqual(2);

    // (a) every client printed exactly the stream's messages from the others, in stream
    // order, each once; (b) every line written is stored exactly once, in the order written,
    // nothing failed, and both writers exited 0.
    expect(countEveryMessage(outcome, [a, b], [c])).toEqual(cleanCount([a, b], [c]));
    expect(outcome.stream.map((entry) => `${entry.from} ${entry.text}`).sort()).toEqual(
      [...a.written.map((text) => `A ${text}`), ...b.written.map((text) => `B ${text}`)].sort(),
    );

    // (c) Only the victim died; the primary is up and has replaced it.
    expect(workerExits(server)).toEqual([
      expect.stringMatching(new RegExp(`^primary, worker ${victim.worker} exited \\(SIGKILL\\)`)),
    ]);
    expect(isRunning(survivorProcess)).toBe(true);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    const replaced = await pollUntil(() => {
      const live = rig.workers();
      return live.size === 2 && !live.has(victim.worker) && live.get(survivor.worker)?.pid === survivorProcess.pid;
    }, 60_000);
    expect(replaced, server.lines.join("\n")).toBe(true);
  }, 300_000);
});
