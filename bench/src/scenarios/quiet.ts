import { now, sleep } from "../clock.ts";
import { treeCpuTicks } from "@chat/test-kit";
import type { TargetServer } from "../targets/targets.ts";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;
/** The CPU use under which a server counts as quiet: a tenth of one core. */
const quietShare = 0.1;

/**
 * Waits, at most `maxMs`, until the servers' processes are nearly idle over a sample of
 * `sampleMs`: what one measurement set going (a burst of presence events, a backlog of
 * deliveries) must not land in the next. False when they were still busy at the end: the
 * measurement goes on, and the log says so.
 */
export async function quiet(servers: readonly TargetServer[], maxMs: number, sampleMs = 500): Promise<boolean> {
  const quietTicks = (sampleMs / 1000) * ticksPerSecond * quietShare;
  const ticks = () => servers.reduce((sum, server) => sum + treeCpuTicks(server.pid), 0);
  const deadline = now() + maxMs;
  let before = ticks();
  while (now() < deadline) {
    await sleep(sampleMs);
    const after = ticks();
    if (after - before <= quietTicks) return true;
    before = after;
  }
  return false;
}
