import { describe, expect, it } from "vitest";
import { Batches } from "../src/redis/batches.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A Batches whose run answers each item doubled, at once, and records the batches it got. */
const doubling = (gapMs?: number, together = false) => {
  const batches: number[][] = [];
  const calls = new Batches<string, number, number>(
    async (_key, items) => {
      batches.push(items);
      return items.map((item) => item * 2);
    },
    { maxItems: 1000, maxWeight: Number.POSITIVE_INFINITY, weigh: () => 1, together, ...(gapMs === undefined ? {} : { gapMs }) },
  );
  return { calls, batches };
};

describe("batches of calls per key", () => {
  it("without a gap, runs a call made on a quiet key alone and at once", async () => {
    const { calls, batches } = doubling();
    const results: number[] = [];
    for (let i = 0; i < 20; i++) {
      results.push(await calls.submit("k", i));
      await nextTurn();
    }
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(batches.length).toBe(20);
  });

  it("with `together`, runs the calls made in one go on a quiet key together, in order, each with its own result", async () => {
    const { calls, batches } = doubling(undefined, true);
    expect(await Promise.all([calls.submit("k", 1), calls.submit("k", 2), calls.submit("k", 3)])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("with a gap, gathers the calls made within it into the next batch, in order, each with its own result", async () => {
    const { calls, batches } = doubling(200);
    const pending: Promise<number>[] = [];
    for (let i = 0; i < 20; i++) {
      pending.push(calls.submit("k", i));
      await nextTurn();
    }
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    // The first alone and at once, the other nineteen made within its gap together.
    expect(batches).toEqual([[0], Array.from({ length: 19 }, (_, i) => i + 1)]);
  });

  it("keeps keys apart: a gap on one key holds no call of another", async () => {
    const { calls, batches } = doubling(10_000);
    await calls.submit("a", 1);
    // Were "b" held by the gap of "a", this would wait ten seconds and the test time out.
    expect(await calls.submit("b", 2)).toBe(4);
    expect(batches).toEqual([[1], [2]]);
  }, 5_000);
});
