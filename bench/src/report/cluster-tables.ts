import type { BenchResult, ChannelFlood, ClusterRoomsRun, RedisSetup } from "../results.ts";
import { fanoutLevels, groupBy, loadKey, type FanoutLevel } from "./average.ts";
import { count, decimal, kibText, ms } from "./format.ts";
import { markdownTable, NONE, tableSection, type Align } from "./markdown.ts";

/** The cluster scenarios' sections of the report. */

/** The commands a master ran most, as "evalsha 1,000, spublish 1,000". */
function topCommands(byName: Record<string, number>, shown = 3): string {
  const top = Object.entries(byName)
    .sort(([, a], [, b]) => b - a)
    .slice(0, shown);
  return top.length === 0 ? NONE : top.map(([name, calls]) => `${name} ${count(calls)}`).join(", ");
}

const perSecond = (value: number, seconds: number) => (seconds > 0 ? value / seconds : Number.NaN);

/** A percentage: two significant digits under 1 %, so that a small share does not read as none. */
function percent(value: number): string {
  if (!Number.isFinite(value)) return NONE;
  if (value >= 10) return decimal(value, 0);
  if (value >= 1) return decimal(value, 1);
  return value === 0 ? "0" : String(Number(value.toPrecision(2)));
}

/** Messages per second one master passes on at most: one core over the CPU time each took in the flood. */
export const floodCeiling = (flood: ChannelFlood): number =>
  flood.masterCpuSeconds > 0 ? flood.published / flood.masterCpuSeconds : Number.NaN;

const cpuPerMessage = (flood: ChannelFlood) =>
  flood.published > 0 ? `${decimal((flood.masterCpuSeconds * 1e6) / flood.published, 1)} µs` : NONE;

const ceilingText = (flood: ChannelFlood) => {
  const ceiling = floodCeiling(flood);
  return Number.isFinite(ceiling) ? count(Math.round(ceiling)) : NONE;
};

/** A line on the namespace channel: what crossed it, what its master carries, and the share. */
export function namespaceLine(run: ClusterRoomsRun): string {
  const { namespaceChannel: used, namespaceCapacity: flood } = run;
  const types = Object.entries(used.byType)
    .sort(([, a], [, b]) => b - a)
    .map(([type, messages]) => `${type} ${count(messages)}`)
    .join(", ");
  const usedRate = perSecond(used.messages, used.seconds);
  const ceiling = floodCeiling(flood);
  const share = ceiling > 0 ? (100 * usedRate) / ceiling : Number.NaN;
  const wider = (run.widerFloods ?? []).map(
    (more) => `with ${count(more.subscribers)} subscribers (workers), ${cpuPerMessage(more)} a message, about ${ceilingText(more)}/s`,
  );
  return (
    `the namespace channel carried ${count(used.messages)} messages (${types || "none"}) in ${decimal(used.seconds, 1)} s, ` +
    `${count(usedRate)}/s and ${kibText(perSecond(used.bytes, used.seconds))} KiB/s, each to ${count(used.subscribers)} ` +
    `subscribers (every worker). Flooded with ${count(flood.payloadBytes)}-byte messages to as many subscribers, its master ` +
    `published ${count(perSecond(flood.published, flood.seconds))}/s (${count(perSecond(flood.received, flood.seconds))} ` +
    `deliveries/s) busy ${percent((100 * flood.masterCpuSeconds) / flood.seconds)} % of the time, ` +
    `${cpuPerMessage(flood)} of CPU a message: one master carries at most about ${ceilingText(flood)} such messages/s, ` +
    `however many masters the cluster has; the run used ${percent(share)} % of that` +
    (wider.length === 0 ? "" : `. The same flood ${wider.join("; ")}`)
  );
}

export function clusterRoomsSection(result: BenchResult): string | null {
  const runs = result.clusterRooms ?? [];
  const first = runs[0];
  if (first === undefined) return null;
  const several = runs.length > 1;
  const rows = runs.flatMap((run) =>
    run.perMaster.map((master) => [
      ...(several ? [count(run.repetition)] : []),
      master.node,
      master.slots.join(", "),
      count(master.streams),
      count(master.keys),
      count(master.shardChannels),
      `${count(master.subscriptions)} (${master.subscriptionsByConnection.map(count).join(", ") || NONE})`,
      count(master.commands),
      count(master.published),
      topCommands(master.commandsByName),
      master.holdsNamespaceChannel ? "yes" : "",
    ]),
  );
  const head = [
    ...(several ? ["run"] : []),
    "master",
    "slots",
    "streams",
    "keys",
    "shard channels",
    "subscriptions (by connection)",
    "commands",
    "published",
    "most run",
    "namespace channel",
  ];
  const align: Align[] = [...(several ? ["right" as const] : []), "left", "left", "right", "right", "right", "right", "right", "right", "left", "left"];
  const runLines = runs.map(
    (run) =>
      `- run ${run.repetition}: ${count(run.delivered)} of ${count(run.messages)} room messages delivered, ` +
      `${count(run.directDelivered)} of ${count(run.directMessages)} direct messages; Redis pub/sub messages received per worker: ` +
      `${run.redisReceivedPerWorker.map((value) => (Number.isFinite(value) ? count(value) : NONE)).join(", ") || NONE}; ` +
      `${namespaceLine(run)}.`,
  );
  const section = tableSection(
    "Cluster rooms",
    [
      `the project's server (${count(first.workers)} workers) on a Redis Cluster of ${count(first.masters)} masters with ` +
        `${count(first.replicasPerMaster)} replica each; ${count(first.rooms)} rooms of two members (${count(first.clients)} clients), ` +
        `a few messages in every room and direct messages meanwhile`,
      "per master: the run's streams and keys it holds, the shard channels with subscribers on it, their subscriptions in all " +
        "and by subscriber connection (a worker's each), and the commands it ran (INFO commandstats, scripts' own calls included) " +
        "and the messages it published (SPUBLISH) " +
        `while the traffic went out (${decimal(first.seconds, 1)} s)`,
    ],
    markdownTable(head, rows, align),
  );
  return [section, "", ...runLines].join("\n");
}

const setupNames: Record<RedisSetup, string> = {
  "cluster-wait": "cluster, WAIT",
  "cluster-no-wait": "cluster, no WAIT",
  single: "single Redis",
};

export function replicaWaitSection(result: BenchResult): string | null {
  const steps = result.replicaWait ?? [];
  if (steps.length === 0) return null;
  const setups = [...new Set(steps.map((step) => step.setup))];
  const levels = new Map(setups.map((setup) => [setup, fanoutLevels(steps.filter((step) => step.setup === setup))]));
  const loads = groupBy([...levels.values()].flat(), loadKey).map((group) => group[0] as FanoutLevel);
  loads.sort((a, b) => a.offeredDeliveriesPerSecond - b.offeredDeliveriesPerSecond);
  const rows = loads.map((load) => [
    count(load.ratePerSender),
    count(load.offeredDeliveriesPerSecond),
    ...setups.flatMap((setup) => {
      const level = levels.get(setup)?.find((candidate) => loadKey(candidate) === loadKey(load));
      return level === undefined
        ? [NONE, NONE, NONE, NONE]
        : [count(level.deliveriesPerSecond), ms(level.latencyMs.p50), ms(level.latencyMs.p99), count(level.lost)];
    }),
  ]);
  const head = [
    "rate/sender",
    "offered/s",
    ...setups.flatMap((setup) => [`${setupNames[setup]} delivered/s`, "p50 ms", "p99 ms", "lost"]),
  ];
  const first = steps[0];
  const repetitions = Math.max(...steps.map((step) => step.repetition));
  return tableSection(
    "Replica wait",
    [
      `the fan-out's steps (${count(first?.receivers ?? 0)} receivers, ${count(first?.senders ?? 0)} senders) against the project ` +
        "on a Redis Cluster acknowledging a send once a replica has it (WAIT), on the same cluster without it " +
        "(REDIS_WAIT_REPLICAS=0), and on a single Redis, side by side in one run",
      repetitions > 1 ? `mean of ${repetitions} repetitions per step, the setups' order turning each time` : null,
      "latencies in ms from send to delivery",
    ],
    markdownTable(head, rows, head.map(() => "right")),
  );
}
