import { describe, expect, it } from "vitest";
import { machineCpuTicks } from "../src/processes/proc.ts";

describe("the machine's CPU time from /proc/stat", () => {
  it("splits a total that grows by at least what this process spends spinning", () => {
    const before = machineCpuTicks();
    for (const part of [before.user, before.system, before.interrupts, before.idle]) expect(part).toBeGreaterThanOrEqual(0);
    expect(before.user + before.system + before.interrupts + before.idle).toBeLessThanOrEqual(before.total);
    // Spin until this process has used 300 ms of CPU in user mode (100 ticks a second), however busy the machine.
    const start = process.cpuUsage().user;
    const giveUpAt = Date.now() + 30_000;
    while (process.cpuUsage().user - start < 300_000 && Date.now() < giveUpAt);
    const after = machineCpuTicks();
    expect(after.total - before.total).toBeGreaterThanOrEqual(30);
    expect(after.user - before.user).toBeGreaterThanOrEqual(25);
  });
});
