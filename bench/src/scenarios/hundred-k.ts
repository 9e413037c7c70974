import { clusterWorkers, machineCpuTicks, startRedisServer, treeCpuTicks, treeRssBytes } from "@chat/test-kit";
import { now, sleep } from "../clock.ts";
import type { BenchContext } from "../context.ts";
import { Fleet } from "../generator/fleet.ts";
import type { ClientSpec } from "../generator/wire.ts";
import { latencyOf, mergeHistograms } from "../histogram.ts";
import type { BroadcastCpu, HundredKRun } from "../results.ts";
import { monitorRedis } from "../redis/monitor.ts";
import { startTarget } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { collectReports, connectClients, disconnectClients, drain } from "./traffic.ts";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;
/** The project's presence refresh interval: what the idle upkeep is counted per. */
export const presenceRefreshSeconds = 5;

/**
 * 100,000 connections (`--hundred-k-clients` to scale it): the project's server with as many
 * workers as the per-process file limit asks for (one per `perProcess` connections), fed by as
 * many generators, each on loopback addresses of its own, every client joining one room. It
 * measures how long until all are in, the server's memory per connection above its baseline,
 * a message a second for a few seconds to the room holding them all (latency and loss), and
 * while everyone idles, the calls the server makes to Redis per second (MONITOR, on a
 * redis-server of the scenario's own, so that nothing else's count) and the workers' CPU.
 */
export async function runHundredK(ctx: BenchContext): Promise<HundredKRun[]> {
  const { clients, perProcess, concurrency, pingIntervalMs, messages, idleSeconds, connectTimeoutMs } = ctx.options.hundredK;
  const processes = Math.max(2, Math.ceil(clients / perProcess));
  const workers = processes;
  const redis = await startRedisServer();
  const fleet = await Fleet.start(processes);
  const big: BenchContext = { ...ctx, fleet };
  try {
    // The heartbeat is a setting worth trying at this scale: 100,000 connections' pings and
    // pongs take a good part of two cores (the README's settings table).
    const server = await startTarget("project", { ...ctx.settings, workers, redisUrl: redis.url }, ctx.namespace("project"), {
      REDIS_URL: redis.url,
      PING_INTERVAL_MS: String(pingIntervalMs),
    });
    try {
      await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
      const rssBaselineBytes = treeRssBytes(server.pid);
      const room = "hundred-k";
      const specs: ClientSpec[] = [
        { name: "k-sender", role: "sender", room, port: server.port },
        ...Array.from({ length: clients }, (_, i): ClientSpec => ({ name: `k${i}`, role: "receiver", room, port: server.port })),
      ];
      ctx.log(`hundred-k: ${clients} clients from ${processes} generators to ${workers} workers, ${concurrency} connecting at once per generator`);
      const go = now();
      const outcome = await connectClients(big, "project", specs, { concurrency, timeoutMs: connectTimeoutMs });
      const secondsToAllConnected =
        outcome.connected === specs.length && outcome.lastConnectedAt !== null ? (outcome.lastConnectedAt - go) / 1000 : null;
      ctx.log(
        `hundred-k: ${outcome.connected} of ${specs.length} connected in ${((now() - go) / 1000).toFixed(1)} s, ` +
          `${outcome.failed} failed, ${outcome.hanging} hanging`,
      );
      await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
      await sleep(ctx.options.idle.settleMs);
      const rssBytes = treeRssBytes(server.pid);
      const receivers = Math.max(0, outcome.connected - 1);

      // Idle upkeep: the workers' CPU over a window with nothing happening, then Redis's calls
      // over another. MONITOR costs Redis (and the harness) a good deal at this scale, so it
      // watches apart from the CPU window, for two refresh intervals.
      const workerPids = [...clusterWorkers(server.pid).values()].map((ref) => ref.pid);
      const cpuBefore = workerPids.map((pid) => treeCpuTicks(pid));
      const cpuFrom = now();
      await sleep(idleSeconds * 1000);
      const cpuFor = (now() - cpuFrom) / 1000;
      const cpuAfter = workerPids.map((pid) => treeCpuTicks(pid));
      const activity = await monitorRedis(redis.port, Math.min(idleSeconds, 2 * presenceRefreshSeconds) * 1000);
      const idleFor = activity.seconds;
      const perSecond = (counts: Map<string, number>) =>
        Object.fromEntries([...counts].sort(([, a], [, b]) => b - a).map(([command, n]) => [command, n / idleFor]));
      const calls = [...activity.calls.values()].reduce((sum, n) => sum + n, 0);
      const scripted = [...activity.scripted.values()].reduce((sum, n) => sum + n, 0);
      const redisCallsPerSecond = calls / idleFor;
      const pingsPerSecond = (activity.calls.get("ping") ?? 0) / idleFor;
      // Calls per worker per refresh interval, per 1,000 of that worker's connections.
      const perWorkerPerIntervalPer1000 = (callsPerSecond: number) =>
        receivers === 0 ? Number.NaN : (callsPerSecond * presenceRefreshSeconds) / workers / (receivers / workers / 1000);
      const workerCpuPercent = workerPids.map((_, i) => (((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / ticksPerSecond / cpuFor) * 100);
      ctx.log(
        `hundred-k: idle ${idleFor.toFixed(1)} s: ${redisCallsPerSecond.toFixed(1)} Redis calls/s, ` +
          `running ${(scripted / idleFor).toFixed(1)} commands/s in scripts; workers' CPU ${workerCpuPercent.map((percent) => `${percent.toFixed(1)} %`).join(", ")}`,
      );

      // A message a second to the room holding everyone.
      const startAt = now() + 100;
      const windowEnd = startAt + messages * 1000;
      await fleet.all({ type: "send", plan: { ratePerSender: 1, startAt, windowStart: startAt, windowEnd, messagesPerSender: messages } });
      const cpuWatch = watchCpu(server.pid, fleet.pids);
      await sleep(windowEnd - now());
      // Every message sent counts, acknowledged or not: its deliveries are what is measured.
      await drain(big, windowEnd + 60_000, (totals) => messages * totals.receivers);
      const broadcastCpu = cpuWatch();
      const { totals, reports } = await collectReports(big);
      const attempted = reports.reduce((sum, report) => sum + report.due, 0);
      const histogram = mergeHistograms(reports.map((report) => report.histogram));
      const latencyMs = latencyOf(histogram);
      histogram.destroy();
      const expected = attempted * totals.receivers;
      ctx.log(
        `hundred-k: ${attempted} messages (${totals.sent} acknowledged) to ${totals.receivers} receivers: ` +
          `${totals.delivered} of ${expected} delivered, ` +
          `p50 ${latencyMs.p50.toFixed(0)} ms, p99 ${latencyMs.p99.toFixed(0)} ms, max ${latencyMs.max.toFixed(0)} ms; ` +
          `over ${broadcastCpu.seconds.toFixed(1)} s the server used ${broadcastCpu.serverCores.toFixed(2)} cores, ` +
          `the generators ${broadcastCpu.generatorCores.toFixed(2)}, the machine idle ${broadcastCpu.idlePercent.toFixed(0)} %`,
      );
      return [
        {
          target: "project",
          clients: specs.length,
          workers,
          generators: processes,
          pingIntervalMs,
          connected: outcome.connected,
          failed: outcome.failed,
          hanging: outcome.hanging,
          secondsToAllConnected,
          rssBaselineBytes,
          rssBytes,
          bytesPerConnection: outcome.connected === 0 ? Number.NaN : (rssBytes - rssBaselineBytes) / outcome.connected,
          broadcast: {
            messages: attempted,
            acknowledged: totals.sent,
            receivers: totals.receivers,
            expected,
            delivered: totals.delivered,
            lost: Math.max(0, expected - totals.delivered),
            latencyMs,
            cpu: broadcastCpu,
          },
          idle: {
            seconds: idleFor,
            cpuSeconds: cpuFor,
            redisCallsPerSecond,
            callsPerSecondByCommand: perSecond(activity.calls),
            scriptedPerSecond: scripted / idleFor,
            scriptedPerSecondByCommand: perSecond(activity.scripted),
            refreshIntervalSeconds: presenceRefreshSeconds,
            callsPerWorkerPerIntervalPer1000: perWorkerPerIntervalPer1000(redisCallsPerSecond),
            callsBesidesPingPerWorkerPerIntervalPer1000: perWorkerPerIntervalPer1000(redisCallsPerSecond - pingsPerSecond),
            workerCpuPercent,
          },
        },
      ];
    } finally {
      // Stopped before its clients leave: the departures of everyone are not what is measured.
      await server.stop();
      await disconnectClients(big);
    }
  } finally {
    await fleet.close();
    await redis.dispose();
  }
}

/**
 * Starts watching CPU time: the server's process tree, the generators', and the machine's
 * (/proc/stat). The function returned reads them again and gives what was used meanwhile.
 */
function watchCpu(serverPid: number, generatorPids: readonly number[]): () => BroadcastCpu {
  const generatorTicks = () => generatorPids.reduce((sum, pid) => sum + treeCpuTicks(pid), 0);
  const from = now();
  const serverBefore = treeCpuTicks(serverPid);
  const generatorsBefore = generatorTicks();
  const machineBefore = machineCpuTicks();
  return () => {
    const seconds = (now() - from) / 1000;
    const machine = machineCpuTicks();
    const total = machine.total - machineBefore.total;
    const percentOf = (ticks: number) => (total === 0 ? 0 : (ticks / total) * 100);
    return {
      seconds,
      serverCores: (treeCpuTicks(serverPid) - serverBefore) / ticksPerSecond / seconds,
      generatorCores: (generatorTicks() - generatorsBefore) / ticksPerSecond / seconds,
      userPercent: percentOf(machine.user - machineBefore.user),
      systemPercent: percentOf(machine.system - machineBefore.system),
      interruptPercent: percentOf(machine.interrupts - machineBefore.interrupts),
      idlePercent: percentOf(machine.idle - machineBefore.idle),
    };
  };
}
