import { afterEach, describe, expect, it } from "vitest";
import { countEverything, expectEveryLineOnce, printServerErrorsOnFailure, sendNumbered, slotOfRoom, startClusterChat, stopClusterChat } from "../support/cluster-chat.ts";

describe("a Redis Cluster master killed (SIGKILL), failed over and started again while four writers on two servers fill one room", () => {
  afterEach(stopClusterChat, 60_000);

  it("delivers every acknowledged line exactly once, in id order, to every member and in the history; refused sends are retried", async () => {
    const chat = await startClusterChat();
    printServerErrorsOnFailure(chat);
    let killed = "";
    let promoted = "";
    await sendNumbered(chat, {
      intervalMs: 150,
      faultAt: 12,
      roundsAfter: 12,
      fault: async () => {
        const slot = await slotOfRoom(chat);
        const master = await chat.cluster.masterOf(slot);
        killed = `${master.port}`;
        await chat.cluster.kill(master);
        promoted = `${(await chat.cluster.waitForFailover(master)).port}`;
        // As a supervisor would, the crashed node is started again: it comes back as the
        // replica of the one promoted, which until then has none to acknowledge its writes.
        await chat.cluster.start(master);
      },
    });
    const outcome = await countEverything(chat);
    console.log(`failover (master ${killed} killed, replica ${promoted} promoted): ${JSON.stringify(outcome.counts)}`);
    // The fault came mid-stream: lines went before it and after it had passed.
    expect(promoted).not.toBe("");
    expect(outcome.counts.sentAfterFault).toBeGreaterThan(0);
    // The writers noticed the switch: sends to the dead master were refused, then retried.
    expect(outcome.counts.answers.unavailable ?? 0).toBeGreaterThan(0);
    expectEveryLineOnce(chat, outcome);
  }, 240_000);
});
