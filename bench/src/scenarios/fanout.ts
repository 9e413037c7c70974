import { now, sleep } from "../clock.ts";
import { targetsInOrder, type BenchContext } from "../context.ts";
import type { ClientSpec } from "../generator/wire.ts";
import { latencyOf, mergeHistograms } from "../histogram.ts";
import { targetNames, type FanoutStep, type TargetName } from "../results.ts";
import type { TargetServer } from "../targets/targets.ts";
import { startTarget } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { collectReports, connectClients, disconnectClients, drain } from "./traffic.ts";

/** Saturated: deliveries fall behind the offer, the tail grows past two seconds, or messages go missing. */
const deliveryShare = 0.9;
const p99LimitMs = 2000;
/** Past this many deliveries per second asked for, the sweep stops whatever happens. */
const maxOfferedPerSecond = 5_000_000;
/** Connections each generator opens at once. */
const connectConcurrency = 100;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const isSaturated = (step: FanoutStep): boolean =>
  step.deliveriesPerSecond < deliveryShare * step.offeredDeliveriesPerSecond ||
  !(step.latencyMs.p99 <= p99LimitMs) ||
  step.lost > 0;

/**
 * Fan-out: R receivers and S senders in one room; each step asks every sender for a fixed rate,
 * higher step by step, until every target saturates. The servers run through the whole sweep;
 * each step connects its clients afresh to one of them.
 */
export async function runFanout(ctx: BenchContext): Promise<FanoutStep[]> {
  const servers: Partial<Record<TargetName, TargetServer>> = {};
  try {
    // Started together: each waits mostly for its workers to load their code.
    const starts = await Promise.allSettled(
      targetNames.map(async (target) => {
        servers[target] = await startTarget(target, ctx.settings, ctx.namespace(target));
      }),
    );
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const steps: FanoutStep[] = [];
    const saturated = new Set<TargetName>();
    let stepNumber = 0;
    for (const rate of ctx.options.fanout.rates) {
      const { receivers, senders } = ctx.options.fanout;
      if (senders * rate * receivers > maxOfferedPerSecond) break;
      const atThisRate: FanoutStep[] = [];
      for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
        for (const target of targetsInOrder(repetition)) {
          const server = servers[target];
          if (saturated.has(target) || server === undefined) continue;
          const step = await fanoutStep(ctx, server, { rate, repetition, room: `fanout-${++stepNumber}` });
          ctx.log(
            `fanout ${target} r${repetition} ${rate}/s per sender: ${Math.round(step.deliveriesPerSecond)} deliveries/s of ` +
              `${step.offeredDeliveriesPerSecond} offered, p99 ${step.latencyMs.p99.toFixed(1)} ms, lost ${step.lost}`,
          );
          atThisRate.push(step);
        }
      }
      steps.push(...atThisRate);
      for (const step of atThisRate) if (isSaturated(step)) saturated.add(step.target);
      if (saturated.size === targetNames.length) break;
    }
    return steps;
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

/** One step against one server: its clients connected afresh, the window's deliveries counted, the clients gone again. */
export async function fanoutStep(
  ctx: BenchContext,
  server: TargetServer,
  { rate, repetition, room }: { rate: number; repetition: number; room: string },
): Promise<FanoutStep> {
  const { receivers, senders, warmupMs, measureMs, drainMs } = ctx.options.fanout;
  const clients: ClientSpec[] = [
    // Senders first, so that dealing them out spreads them over the generators.
    ...Array.from({ length: senders }, (_, i): ClientSpec => ({ name: `s${i}`, role: "sender", room, port: server.port })),
    ...Array.from({ length: receivers }, (_, i): ClientSpec => ({ name: `r${i}`, role: "receiver", room, port: server.port })),
  ];
  try {
    const connectedFrom = now();
    const connected = await connectClients(ctx, server.target, clients, { concurrency: connectConcurrency, timeoutMs: 60_000 });
    if (connected.connected < clients.length) ctx.log(`  only ${connected.connected} of ${clients.length} clients connected`);
    const settledFrom = now();
    const settled = await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
    ctx.log(
      `  ${server.target}: ${connected.connected} clients in their room after ${seconds(settledFrom - connectedFrom)}, ` +
        `${settled ? "quiet" : "still busy"} after ${seconds(now() - settledFrom)} more`,
    );

    const startAt = now() + 100;
    const windowStart = startAt + warmupMs;
    const windowEnd = windowStart + measureMs;
    await ctx.fleet.all({ type: "send", plan: { ratePerSender: rate, startAt, windowStart, windowEnd } });
    await sleep(windowEnd - now());
    await drain(ctx, windowEnd + drainMs, (totals) => totals.sent * totals.receivers);

    const { totals, reports } = await collectReports(ctx);
    const histogram = mergeHistograms(reports.map((report) => report.histogram));
    const latencyMs = latencyOf(histogram);
    histogram.destroy();
    const expected = totals.sent * totals.receivers;
    const durationSeconds = measureMs / 1000;
    return {
      target: server.target,
      repetition,
      receivers,
      senders,
      ratePerSender: rate,
      offeredDeliveriesPerSecond: senders * rate * receivers,
      sent: totals.sent,
      expected,
      delivered: totals.delivered,
      lost: Math.max(0, expected - totals.delivered),
      durationSeconds,
      // What reached the receivers while the window lasted: a backlog delivered during the
      // drain counts against loss, not as throughput.
      deliveriesPerSecond: reports.reduce((sum, report) => sum + report.arrived, 0) / durationSeconds,
      latencyMs,
      receiversReached: reports.reduce((sum, report) => sum + report.receiversReached, 0),
      notSent: reports.reduce((sum, report) => sum + report.due, 0) - totals.sent,
    };
  } finally {
    await disconnectClients(ctx);
    // The departures (and any backlog) must not spill into the other target's next step.
    if (!(await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs))) ctx.log(`  ${server.target}: still busy after its clients left`);
  }
}
