import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "@chat/test-kit";
import { countEverything, expectEveryLineOnce, printServerErrorsOnFailure, sendNumbered, slotOfRoom, startClusterChat, stopClusterChat } from "../support/cluster-chat.ts";

describe("a busy room's slot moved to another master while four writers on two servers fill it", () => {
  afterEach(stopClusterChat, 60_000);

  it("delivers every acknowledged line exactly once, in id order, to every member and in the history; redirected sends are retried", async () => {
    const chat = await startClusterChat();
    printServerErrorsOnFailure(chat);
    let moved = { from: 0, to: 0, keys: 0 };
    await sendNumbered(chat, {
      intervalMs: 150,
      faultAt: 12,
      roundsAfter: 12,
      fault: async () => {
        const slot = await slotOfRoom(chat);
        const from = await chat.cluster.masterOf(slot);
        const masters = await Promise.all([0, 8_000, 16_000].map((other) => chat.cluster.masterOf(other)));
        const to = masters.find((master) => master.id !== from.id);
        if (to === undefined) throw new Error("no other master");
        // One key a MIGRATE, and a second's pause after the first: the room's keys are split
        // between the masters for a while, as in a resharding of a busy cluster (ASK, TRYAGAIN).
        const move = await chat.cluster.migrateSlot(slot, to, { batchSize: 1, midway: () => sleep(1_000) });
        moved = { from: move.from.port, to: move.to.port, keys: move.keys };
        expect((await chat.cluster.masterOf(slot)).id).toBe(to.id);
      },
    });
    const outcome = await countEverything(chat);
    console.log(`slot move (${moved.keys} keys from ${moved.from} to ${moved.to}): ${JSON.stringify(outcome.counts)}`);
    expect(moved.keys).toBeGreaterThan(0);
    expect(outcome.counts.sentAfterFault).toBeGreaterThan(0);
    expectEveryLineOnce(chat, outcome);
  }, 240_000);
});
