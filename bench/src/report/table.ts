import { targetNames, type BenchResult, type TargetName } from "../results.ts";
import { fanoutLevels, groupBy, idleLevels, loadKey, stormLevels, type FanoutLevel, type StormLevel } from "./average.ts";
import { count, divide, fraction, kibText, ms, ratio, seconds } from "./format.ts";
import { capitalise, markdownTable, NONE, tableSection, type Align } from "./markdown.ts";
import { clusterRoomsSection, replicaWaitSection } from "./cluster-tables.ts";
import { judgeTargets, type Verdict } from "./targets.ts";

/**
 * The benchmark run as GitHub-flavoured markdown. Columns are padded so the same text reads
 * well in a terminal and renders as tables when pasted into the README.
 */
export function renderTable(result: BenchResult): string {
  const sections = [
    header(result),
    fanoutSection(result),
    idleSection(result),
    stormSection(result),
    roomsSection(result),
    faultsSection(result),
    hundredKSection(result),
    clusterRoomsSection(result),
    replicaWaitSection(result),
    verdictSection(judgeTargets(result)),
  ];
  return `${sections.filter((section) => section !== null).join("\n\n")}\n`;
}

function header(result: BenchResult): string {
  const { machine } = result;
  return [
    "## Benchmark results",
    "",
    `${result.mode === "full" ? "Full" : "Smoke"} run of \`${result.command}\` started ${result.startedAt}: ` +
      `${count(result.workers)} workers per server on ${count(machine.cpus)} CPUs (${machine.cpuModel}), ` +
      `${decimalGiB(machine.memoryGiB)} GiB memory, ${machine.platform}, Node ${machine.node}, Redis ${machine.redis}.`,
  ].join("\n");
}

const decimalGiB = (gib: number) => (Number.isInteger(gib) ? count(gib) : gib.toFixed(1));

/** "mean of 3 repetitions per step", or nothing when each step ran once. */
function repetitionNote(repetitions: readonly number[]): string | null {
  const most = Math.max(...repetitions);
  if (most <= 1) return null;
  return new Set(repetitions).size === 1
    ? `mean of ${most} repetitions per step`
    : "mean of each step's repetitions";
}

function fanoutSection(result: BenchResult): string | null {
  const levels = fanoutLevels(result.fanout);
  if (levels.length === 0) return null;
  const shapes = new Set(levels.map((level) => `${level.receivers}/${level.senders}`));
  const uniform = shapes.size === 1;
  const first = levels[0] as FanoutLevel;

  const loads = groupBy(levels, loadKey);
  // The project and the reference always (a target not run shows dashes), the streams recipe when it ran.
  const targets = targetNames.filter((target) => target !== "streams" || levels.some((level) => level.target === target));
  const figures = (level: FanoutLevel | undefined) =>
    level === undefined
      ? [NONE, NONE, NONE, NONE, NONE]
      : [
          count(level.deliveriesPerSecond),
          ms(level.latencyMs.p50),
          ms(level.latencyMs.p99),
          ms(level.latencyMs.max),
          count(level.lost),
        ];
  const rows = loads.map((group) => {
    const load = group[0] as FanoutLevel;
    const of = (target: TargetName) => group.find((level) => level.target === target);
    return [
      ...(uniform ? [] : [count(load.receivers), count(load.senders)]),
      count(load.ratePerSender),
      count(load.offeredDeliveriesPerSecond),
      ...targets.flatMap((target) => figures(of(target))),
    ];
  });
  const targetHead = (target: TargetName) => [`${target} delivered/s`, "p50 ms", "p99 ms", "max ms", "lost"];
  const head = [
    ...(uniform ? [] : ["receivers", "senders"]),
    "rate/sender",
    "offered/s",
    ...targets.flatMap(targetHead),
  ];
  const align: Align[] = head.map(() => "right");

  return tableSection(
    "Fan-out",
    [
      uniform ? `${count(first.receivers)} receivers, ${count(first.senders)} senders` : null,
      repetitionNote(levels.map((level) => level.repetitions)),
      "latencies in ms from send to delivery; each target's p50, p99, max and lost follow its delivered/s",
    ],
    markdownTable(head, rows, align),
  );
}

function idleSection(result: BenchResult): string | null {
  const levels = idleLevels(result.idle);
  if (levels.length === 0) return null;
  const clients = [...new Set(levels.map((level) => level.clients))];
  const others = targetNames.filter((target) => target !== "project" && levels.some((level) => level.target === target));
  const rows = clients.map((n) => {
    const of = (target: TargetName) => levels.find((level) => level.target === target && level.clients === n);
    const ours = of("project");
    const kibOf = (target: TargetName) => {
      const level = of(target);
      return level === undefined ? NONE : kibText(level.bytesPerConnection);
    };
    const ratioTo = (target: TargetName) => {
      const theirs = of(target);
      const r = ours === undefined || theirs === undefined ? null : divide(ours.bytesPerConnection, theirs.bytesPerConnection);
      return r === null ? NONE : ratio(r);
    };
    return [count(n), kibOf("project"), ...others.map(kibOf), ...others.map(ratioTo)];
  });
  const head = [
    "clients",
    "project KiB/conn",
    ...others.map((target) => `${target} KiB/conn`),
    ...others.map((target) => `project/${target}`),
  ];
  return tableSection(
    "Idle memory",
    [
      "resident memory of all server processes above their baseline, divided by the idle connections",
      repetitionNote(levels.map((level) => level.repetitions)),
    ],
    markdownTable(head, rows, head.map((): Align => "right")),
  );
}

function stormAllConnected(level: StormLevel): string {
  if (level.secondsToAllConnected !== null) return `${seconds(level.secondsToAllConnected)} s`;
  return level.repetitions > 1 ? `never (${level.incompleteRuns} of ${level.repetitions} runs)` : "never";
}

function stormSection(result: BenchResult): string | null {
  const levels = stormLevels(result.storm);
  if (levels.length === 0) return null;
  // By client count, the two targets next to each other at each count, so they compare row by row.
  const ordered = [...levels].sort((a, b) => a.clients - b.clients || a.target.localeCompare(b.target));
  const rows = ordered.map((level) => [
    level.target,
    count(level.clients),
    count(level.connected),
    count(level.failed),
    count(level.hanging),
    stormAllConnected(level),
  ]);
  return tableSection(
    "Connect storm",
    ["every client connects at once", repetitionNote(levels.map((level) => level.repetitions))],
    markdownTable(
      ["target", "clients", "connected", "failed", "hanging", "all connected after"],
      rows,
      ["left", "right", "right", "right", "right", "right"],
    ),
  );
}

function roomsSection(result: BenchResult): string | null {
  if (result.rooms.length === 0) return null;
  const runs = [...result.rooms].sort((a, b) => a.target.localeCompare(b.target));
  const rows = runs.map((run) => [
    run.target,
    `${count(run.instances)} × ${count(run.workersPerInstance)}`,
    count(run.rooms),
    count(run.clients),
    count(run.messages),
    count(run.delivered),
    run.redisReceivedPerWorkerPerMessage.map(fraction).join(", ") || NONE,
    fraction(run.redisReceivedPerDelivery),
  ]);
  return tableSection(
    "Many rooms",
    ["Redis pub/sub messages each worker received per message sent (1 or more: it got every room's traffic), and in all per delivery made"],
    markdownTable(
      ["target", "instances × workers", "rooms", "clients", "messages", "delivered", "Redis msgs per worker per message", "Redis msgs per delivery"],
      rows,
      ["left", "right", "right", "right", "right", "right", "left", "right"],
    ),
  );
}

function faultsSection(result: BenchResult): string | null {
  if (result.faults.length === 0) return null;
  const order = (target: TargetName) => targetNames.indexOf(target);
  const faultOrder = ["worker", "redis"];
  const runs = [...result.faults].sort(
    (a, b) => faultOrder.indexOf(a.fault) - faultOrder.indexOf(b.fault) || order(a.target) - order(b.target) || a.repetition - b.repetition,
  );
  const rows = runs.map((run) => [
    run.fault === "worker" ? "worker killed" : "Redis stopped",
    run.target,
    `${count(run.messages)} × ${count(run.receivers)}`,
    count(run.once),
    count(run.twice),
    count(run.lost),
    count(run.failed) + (run.deliveredThoughFailed > 0 ? ` (${count(run.deliveredThoughFailed)} delivered)` : ""),
    count(run.unsettled),
    `${count(run.receiversDropped)}${run.senderDropped ? " + sender" : ""}`,
  ]);
  return tableSection(
    "Faults",
    [
      "a numbered stream into one room while a worker is killed (SIGKILL) or Redis is stopped and started again; " +
        "receiver × message pairs delivered once, more than once, never (of messages not reported failed), " +
        "messages the sender's client reported failed, and the receivers (and sender) the fault disconnected",
    ],
    markdownTable(
      ["fault", "target", "messages × receivers", "once", "twice", "lost", "failed to sender", "unsettled", "disconnected"],
      rows,
      ["left", "left", "right", "right", "right", "right", "right", "right", "right"],
    ),
  );
}

function hundredKSection(result: BenchResult): string | null {
  const run = result.hundredK[0];
  if (run === undefined) return null;
  const { broadcast, idle } = run;
  const byCommand = (perCommand: Record<string, number>) =>
    Object.entries(perCommand)
      .sort(([, a], [, b]) => b - a)
      .map(([command, perSecond]) => `${command} ${fraction(perSecond)}`)
      .join(", ");
  const commands = byCommand(idle.callsPerSecondByCommand);
  const scripted = byCommand(idle.scriptedPerSecondByCommand);
  const rows = [
    ["clients (one room; one of them sends)", count(run.clients)],
    ["server workers, generator processes", `${count(run.workers)}, ${count(run.generators)}`],
    ["heartbeat (`PING_INTERVAL_MS`)", `${seconds(run.pingIntervalMs / 1000)} s`],
    ["connected, failed, hanging", `${count(run.connected)}, ${count(run.failed)}, ${count(run.hanging)}`],
    ["all connected after", run.secondsToAllConnected === null ? "never" : `${seconds(run.secondsToAllConnected)} s`],
    ["server memory per connection above baseline", `${kibText(run.bytesPerConnection)} KiB`],
    [
      "broadcast: messages (acknowledged) × receivers",
      `${count(broadcast.messages)} (${count(broadcast.acknowledged)}) × ${count(broadcast.receivers)}`,
    ],
    ["broadcast: delivered, lost", `${count(broadcast.delivered)}, ${count(broadcast.lost)}`],
    ["broadcast latency p50 / p99 / max", `${ms(broadcast.latencyMs.p50)} / ${ms(broadcast.latencyMs.p99)} / ${ms(broadcast.latencyMs.max)} ms`],
    [
      `broadcast: cores used by the server, the generators (of ${count(result.machine.cpus)}, over ${seconds(broadcast.cpu.seconds)} s)`,
      `${fraction(broadcast.cpu.serverCores)}, ${fraction(broadcast.cpu.generatorCores)}`,
    ],
    [
      "broadcast: the machine's CPU, % user / system / interrupts / idle",
      [broadcast.cpu.userPercent, broadcast.cpu.systemPercent, broadcast.cpu.interruptPercent, broadcast.cpu.idlePercent]
        .map((percent) => percent.toFixed(0))
        .join(" / "),
    ],
    [`idle: Redis calls per second (over ${seconds(idle.seconds)} s)`, `${fraction(idle.redisCallsPerSecond)}${commands === "" ? "" : ` (${commands})`}`],
    ["idle: commands run inside scripts per second", `${fraction(idle.scriptedPerSecond)}${scripted === "" ? "" : ` (${scripted})`}`],
    [
      `idle: Redis calls per worker per ${count(idle.refreshIntervalSeconds)} s refresh per 1,000 connections`,
      `${fraction(idle.callsPerWorkerPerIntervalPer1000)} (${fraction(idle.callsBesidesPingPerWorkerPerIntervalPer1000)} besides PING)`,
    ],
    [`idle: each worker's CPU, % of a core (over ${seconds(idle.cpuSeconds)} s)`, idle.workerCpuPercent.map((percent) => fraction(percent)).join(", ")],
  ];
  return tableSection(
    "Hundred thousand connections",
    ["the project's server alone, every client in one room, a message a second to all of them, then idle"],
    markdownTable(["figure", "measured"], rows, ["left", "right"]),
  );
}

const MARKS = { met: "✔", missed: "✘", unmeasured: NONE };

function verdictLine(verdict: Verdict): string {
  const mark = verdict.met === null ? MARKS.unmeasured : verdict.met ? MARKS.met : MARKS.missed;
  const outcome = verdict.met === null ? "not measured" : verdict.met ? "met" : "not met";
  return `- ${mark} **${verdict.name}** (${outcome}) — goal: ${verdict.goal}. ${capitalise(verdict.detail)}.`;
}

function verdictSection(verdicts: readonly Verdict[]): string {
  return ["### Targets", "", ...verdicts.map(verdictLine)].join("\n");
}

