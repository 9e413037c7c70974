import { now } from "../clock.ts";
import { targetsInOrder, type BenchContext } from "../context.ts";
import type { ClientSpec } from "../generator/wire.ts";
import type { StormRun, TargetName } from "../results.ts";
import { startTarget } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { connectClients, disconnectClients } from "./traffic.ts";

/**
 * Connection storm: a fresh server, then every client opened at once from every generator;
 * how long until the last one is connected, and how many were refused or never answered.
 */
export async function runStorm(ctx: BenchContext): Promise<StormRun[]> {
  const runs: StormRun[] = [];
  const { clients: count, timeoutMs } = ctx.options.storm;
  /** A fresh server of `target`, every client at once, then the server stopped: the outcome. */
  const storm = async (target: TargetName) => {
    const server = await startTarget(target, ctx.settings, ctx.namespace(target));
    try {
      await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
      const clients = Array.from({ length: count }, (_, i): ClientSpec => ({ name: `t${i}`, role: "idle", port: server.port }));
      const go = now();
      // Each generator opens its whole share at once.
      const outcome = await connectClients(ctx, target, clients, { concurrency: count, timeoutMs });
      return { go, outcome };
    } finally {
      await server.stop();
      await disconnectClients(ctx);
    }
  };
  // The generators' first storm runs on cold code and a heap still small, and takes longer
  // whichever server it meets: one storm first, not counted, so that the first measured
  // one (always the same target's) does not pay for it.
  const [first] = targetsInOrder(1);
  if (first !== undefined && ctx.options.storm.warmUp) {
    await storm(first);
    ctx.log(`storm: warm-up against the ${first} done, not counted`);
  }
  for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
    for (const target of targetsInOrder(repetition)) {
      const { go, outcome } = await storm(target);
      const run: StormRun = {
        target,
        repetition,
        clients: count,
        connected: outcome.connected,
        failed: outcome.failed,
        hanging: outcome.hanging,
        secondsToAllConnected:
          outcome.connected === count && outcome.lastConnectedAt !== null ? (outcome.lastConnectedAt - go) / 1000 : null,
      };
      ctx.log(
        `storm ${target} r${repetition}: ${run.connected} of ${count} connected` +
          `${run.secondsToAllConnected === null ? "" : ` in ${run.secondsToAllConnected.toFixed(2)} s`}, ` +
          `${run.failed} failed, ${run.hanging} hanging`,
      );
      runs.push(run);
    }
  }
  return runs;
}
