import type { BenchResult, FanoutStep, FaultRun, HundredKRun, IdleStep, RoomsRun, StormRun, TargetName } from "../results.ts";
import { fanoutLevels, idleLevels, mean, sameLoad, stormLevels, type FanoutLevel, type StormLevel } from "./average.ts";
import { count, divide, fraction, kib, kibText, ms, ratio, seconds } from "./format.ts";

/**
 * The project's performance targets, judged against the references on one benchmark run.
 * `project` and `reference` carry the figure the goal is about (in the unit the goal names;
 * `reference` is the figure of the reference the goal names: the Redis adapter recipe, or the
 * streams recipe), `ratio` is project ÷ that, and `met` is null when the run did not measure it.
 */
export interface Verdict {
  name: string;
  goal: string;
  project: number | null;
  reference: number | null;
  ratio: number | null;
  met: boolean | null;
  detail: string;
}

/** How much more loss-free fan-out throughput the project must reach than the reference. */
export const SATURATION_FACTOR = 1.5;
/** The reference latency that marks "the reference is struggling". */
export const LATENCY_POINT_MS = 100;
/** At that load the project's p99 may be at most this share of the reference's. */
export const LATENCY_SHARE = 0.5;
/** Against the streams recipe: the same two goals, with its own factor, latency point and share. */
export const STREAMS_SATURATION_FACTOR = 2;
export const STREAMS_LATENCY_POINT_MS = 200;
export const STREAMS_LATENCY_SHARE = 0.5;
/** The project's idle memory per connection may be at most this share of the reference's. */
export const MEMORY_SHARE = 0.8;

export function judgeTargets(result: BenchResult): Verdict[] {
  return [
    judgeSaturation(result.fanout),
    judgeLatency(result.fanout),
    // Against the streams recipe only when the run measured it (runs before it existed did not).
    ...(result.fanout.some((step) => step.target === "streams")
      ? [
          judgeSaturation(result.fanout, "streams", STREAMS_SATURATION_FACTOR),
          judgeLatency(result.fanout, "streams", STREAMS_LATENCY_POINT_MS, STREAMS_LATENCY_SHARE),
        ]
      : []),
    judgeIdleMemory(result.idle),
    judgeStorm(result.storm),
    judgeRooms(result.rooms),
    // Judged only when the run had the faults scenario (runs before it existed did not).
    ...(result.faults.length > 0 ? [judgeFaults(result.faults)] : []),
    ...result.hundredK.flatMap(judgeHundredK),
  ];
}

function unmeasured(name: string, goal: string, detail: string): Verdict {
  return { name, goal, project: null, reference: null, ratio: null, met: null, detail };
}

/** Which of the two targets a scenario has no data for, as a sentence; null when both have some. */
function missing(scenario: string, project: readonly unknown[], reference: readonly unknown[], against: TargetName = "reference"): string | null {
  const theirName = against === "reference" ? "the reference" : `the ${against} recipe`;
  if (project.length === 0 && reference.length === 0) return `the ${scenario} scenario was not run`;
  if (project.length === 0) return `the ${scenario} scenario was not run against the project`;
  if (reference.length === 0) return `the ${scenario} scenario was not run against ${theirName}`;
  return null;
}

const perSender = (level: FanoutLevel) => `${count(level.ratePerSender)} msg/s per sender`;

/** A target's best loss-free throughput: the step with the most deliveries per second that lost nothing. */
function saturation(levels: readonly FanoutLevel[]): FanoutLevel | undefined {
  return best(levels.filter((level) => level.lost === 0));
}

function best(levels: readonly FanoutLevel[]): FanoutLevel | undefined {
  let top: FanoutLevel | undefined;
  for (const level of levels) if (top === undefined || level.deliveriesPerSecond > top.deliveriesPerSecond) top = level;
  return top;
}

function judgeSaturation(steps: readonly FanoutStep[], against: TargetName = "reference", factor = SATURATION_FACTOR): Verdict {
  const name = against === "reference" ? "Fan-out at saturation" : `Fan-out at saturation against the ${against} recipe`;
  const goal = `best loss-free deliveries per second: project ≥ ${factor} × ${against}`;
  const levels = fanoutLevels(steps);
  const project = levels.filter((level) => level.target === "project");
  const reference = levels.filter((level) => level.target === against);
  const absent = missing("fan-out", project, reference, against);
  if (absent !== null) return unmeasured(name, goal, absent);

  const ours = saturation(project);
  const theirs = saturation(reference);
  const peak = best(project);
  // A higher throughput that dropped deliveries is not a saturation point; say so, since the
  // table shows it and a reader would otherwise wonder why it was not counted.
  const lossyPeak =
    peak !== undefined && peak.lost > 0 && (ours === undefined || peak.deliveriesPerSecond > ours.deliveriesPerSecond)
      ? `; the project's ${count(peak.deliveriesPerSecond)} deliveries/s at ${perSender(peak)} lost ${count(peak.lost)} and does not count`
      : "";

  if (ours === undefined) {
    return {
      name,
      goal,
      project: null,
      reference: theirs?.deliveriesPerSecond ?? null,
      ratio: null,
      met: false,
      detail: `the project lost deliveries at every step of the sweep${lossyPeak}`,
    };
  }
  if (theirs === undefined) {
    return {
      name,
      goal,
      project: ours.deliveriesPerSecond,
      reference: null,
      ratio: null,
      met: null,
      detail: `the ${against} target lost deliveries at every step of the sweep, so it has no loss-free saturation to compare with (project ${count(ours.deliveriesPerSecond)} deliveries/s at ${perSender(ours)})`,
    };
  }
  const r = divide(ours.deliveriesPerSecond, theirs.deliveriesPerSecond);
  return {
    name,
    goal,
    project: ours.deliveriesPerSecond,
    reference: theirs.deliveriesPerSecond,
    ratio: r,
    met: ours.deliveriesPerSecond >= factor * theirs.deliveriesPerSecond,
    detail:
      `project ${count(ours.deliveriesPerSecond)} deliveries/s at ${perSender(ours)}, ` +
      `${against} ${count(theirs.deliveriesPerSecond)} deliveries/s at ${perSender(theirs)}` +
      (r === null ? "" : ` (${ratio(r)}, goal ${ratio(factor)})`) +
      lossyPeak,
  };
}

function judgeLatency(
  steps: readonly FanoutStep[],
  against: TargetName = "reference",
  point = LATENCY_POINT_MS,
  share = LATENCY_SHARE,
): Verdict {
  const label = against === "reference" ? "reference" : `${against} recipe`;
  const name = `Latency at the ${label}'s ${point} ms point`;
  const goal = `p99 in ms at the first load where the ${label}'s p99 exceeds ${point} ms: project ≤ ${share} × ${against}`;
  const levels = fanoutLevels(steps);
  const project = levels.filter((level) => level.target === "project");
  const reference = levels.filter((level) => level.target === against);
  const absent = missing("fan-out", project, reference, against);
  if (absent !== null) return unmeasured(name, goal, absent);

  // Levels come in ascending offered load, so the first match is where the reference crosses.
  const crossing = reference.find((level) => level.latencyMs.p99 > point);
  if (crossing === undefined) {
    const last = reference[reference.length - 1] as FanoutLevel;
    return unmeasured(
      name,
      goal,
      `the ${label}'s p99 never exceeded ${point} ms (${ms(last.latencyMs.p99)} ms at the highest load, ${count(last.offeredDeliveriesPerSecond)} offered deliveries/s)`,
    );
  }
  const at =
    `${count(crossing.offeredDeliveriesPerSecond)} offered deliveries/s ` +
    `(${count(crossing.senders)} senders at ${perSender(crossing)}, ${count(crossing.receivers)} receivers)`;
  const ours = project.find((level) => sameLoad(level, crossing));
  if (ours === undefined) {
    return {
      ...unmeasured(name, goal, `the ${label}'s p99 passed ${point} ms at ${at}, a load the project was not run at`),
      reference: crossing.latencyMs.p99,
    };
  }
  const r = divide(ours.latencyMs.p99, crossing.latencyMs.p99);
  return {
    name,
    goal,
    project: ours.latencyMs.p99,
    reference: crossing.latencyMs.p99,
    ratio: r,
    met: ours.latencyMs.p99 <= share * crossing.latencyMs.p99,
    detail:
      `at ${at}: project p99 ${ms(ours.latencyMs.p99)} ms, ${against} p99 ${ms(crossing.latencyMs.p99)} ms` +
      (r === null ? "" : ` (${ratio(r)}, goal ≤ ${ratio(share)})`) +
      (ours.lost > 0 ? `; the project lost ${count(ours.lost)} deliveries at that load` : ""),
  };
}

function judgeIdleMemory(steps: readonly IdleStep[]): Verdict {
  const name = "Idle memory per connection";
  const goal = `KiB per idle connection at the largest client count measured: project ≤ ${MEMORY_SHARE} × reference`;
  const levels = idleLevels(steps);
  const project = levels.filter((level) => level.target === "project");
  const reference = levels.filter((level) => level.target === "reference");
  const absent = missing("idle-memory", project, reference);
  if (absent !== null) return unmeasured(name, goal, absent);

  const pairs = project.flatMap((ours) => {
    const theirs = reference.find((level) => level.clients === ours.clients);
    return theirs === undefined ? [] : [{ clients: ours.clients, ours, theirs }];
  });
  const largest = pairs[pairs.length - 1];
  if (largest === undefined) return unmeasured(name, goal, "the two targets were not measured at a common client count");

  const describe = (pair: (typeof pairs)[number]) => {
    const r = divide(pair.ours.bytesPerConnection, pair.theirs.bytesPerConnection);
    return (
      `${count(pair.clients)} clients: project ${kibText(pair.ours.bytesPerConnection)} KiB, ` +
      `reference ${kibText(pair.theirs.bytesPerConnection)} KiB` +
      (r === null ? "" : ` (${ratio(r)})`)
    );
  };
  return {
    name,
    goal,
    project: kib(largest.ours.bytesPerConnection),
    reference: kib(largest.theirs.bytesPerConnection),
    ratio: divide(largest.ours.bytesPerConnection, largest.theirs.bytesPerConnection),
    met: largest.ours.bytesPerConnection <= MEMORY_SHARE * largest.theirs.bytesPerConnection,
    detail: `${pairs.map(describe).join("; ")}; judged at ${count(largest.clients)} clients, goal ≤ ${ratio(MEMORY_SHARE)}`,
  };
}

function stormText(level: StormLevel): string {
  const outcome =
    `${count(level.connected)} connected, ${count(level.failed)} failed, ${count(level.hanging)} hanging` +
    (level.repetitions > 1 ? ` (mean of ${level.repetitions})` : "");
  const time =
    level.secondsToAllConnected === null
      ? level.repetitions > 1
        ? `not all connected in ${level.incompleteRuns} of ${level.repetitions} runs`
        : "never all connected"
      : `all connected in ${seconds(level.secondsToAllConnected)} s`;
  return `${outcome}, ${time}`;
}

function judgeStorm(runs: readonly StormRun[]): Verdict {
  const name = "Connect storm";
  const goal = "every client connected, none failed or hanging, and seconds until all connected: project ≤ reference";
  const levels = stormLevels(runs);
  const project = levels.filter((level) => level.target === "project");
  const reference = levels.filter((level) => level.target === "reference");
  const absent = missing("connect-storm", project, reference);
  if (absent !== null) return unmeasured(name, goal, absent);

  // The largest storm both targets faced is the telling one.
  const common = project.filter((ours) => reference.some((theirs) => theirs.clients === ours.clients));
  const ours = common[common.length - 1];
  const theirs = reference.find((level) => level.clients === ours?.clients);
  if (ours === undefined || theirs === undefined) {
    return unmeasured(name, goal, "the two targets were not stormed with a common client count");
  }
  const everyoneIn = ours.incompleteRuns === 0 && ours.secondsToAllConnected !== null;
  // A reference that never had everyone connected took longer than any finished storm.
  const inTime =
    ours.secondsToAllConnected !== null &&
    (theirs.secondsToAllConnected === null || ours.secondsToAllConnected <= theirs.secondsToAllConnected);
  return {
    name,
    goal,
    project: ours.secondsToAllConnected,
    reference: theirs.secondsToAllConnected,
    ratio:
      ours.secondsToAllConnected === null || theirs.secondsToAllConnected === null
        ? null
        : divide(ours.secondsToAllConnected, theirs.secondsToAllConnected),
    met: everyoneIn && inTime,
    detail: `${count(ours.clients)} clients: project ${stormText(ours)}; reference ${stormText(theirs)}`,
  };
}

function judgeRooms(runs: readonly RoomsRun[]): Verdict {
  const name = "Many rooms";
  const goal =
    "Redis pub/sub messages per delivery: project < reference, no project worker receiving every message while every reference worker does";
  const project = runs.filter((run) => run.target === "project");
  const reference = runs.filter((run) => run.target === "reference");
  const absent = missing("many-rooms", project, reference);
  if (absent !== null) return unmeasured(name, goal, absent);

  const ours = mean(project.map((run) => run.redisReceivedPerDelivery));
  const theirs = mean(reference.map((run) => run.redisReceivedPerDelivery));
  const ourWorkers = project.flatMap((run) => run.redisReceivedPerWorkerPerMessage);
  const theirWorkers = reference.flatMap((run) => run.redisReceivedPerWorkerPerMessage);
  const fewer = ours < theirs;
  const oursSelective = ourWorkers.every((share) => share < 1);
  const theirsBroadcast = theirWorkers.every((share) => share >= 1);
  const list = (shares: readonly number[]) => `[${shares.map(fraction).join(", ")}]`;
  const notes = [
    oursSelective ? "" : "some project worker received every message",
    theirsBroadcast ? "" : "not every reference worker received every message, so the run did not show the broadcast cost",
  ].filter((note) => note !== "");
  return {
    name,
    goal,
    project: ours,
    reference: theirs,
    ratio: divide(ours, theirs),
    met: fewer && oursSelective && theirsBroadcast,
    detail:
      `Redis messages per delivery: project ${fraction(ours)}, reference ${fraction(theirs)}; ` +
      `per worker per message: project ${list(ourWorkers)}, reference ${list(theirWorkers)}` +
      (notes.length === 0 ? "" : `; ${notes.join("; ")}`),
  };
}

function judgeFaults(runs: readonly FaultRun[]): Verdict {
  const name = "Faults";
  const goal = "a worker killed, Redis stopped: the project loses and doubles nothing, in either";
  const ours = runs.filter((run) => run.target === "project");
  if (ours.length === 0) return unmeasured(name, goal, "the faults scenario was not run against the project");
  const sum = (of: readonly FaultRun[], pick: (run: FaultRun) => number) => of.reduce((total, run) => total + pick(run), 0);
  const describe = (target: TargetName, fault: FaultRun["fault"]) => {
    const of = runs.filter((run) => run.target === target && run.fault === fault);
    if (of.length === 0) return null;
    return `${target} ${sum(of, (run) => run.lost)} lost, ${sum(of, (run) => run.twice)} doubled, ${sum(of, (run) => run.failed)} failed`;
  };
  const faults = [...new Set(ours.map((run) => run.fault))];
  const bothFaults = faults.length === 2;
  const clean = sum(ours, (run) => run.lost + run.twice + run.unsettled) === 0;
  const detail = faults
    .map((fault) => {
      const parts = (["project", "reference", "streams"] as const).map((target) => describe(target, fault)).filter((part) => part !== null);
      return `${fault === "worker" ? "worker killed" : "Redis stopped"}: ${parts.join(", ")}`;
    })
    .join("; ");
  return {
    name,
    goal,
    project: sum(ours, (run) => run.lost + run.twice),
    reference: sum(runs.filter((run) => run.target === "reference"), (run) => run.lost + run.twice),
    ratio: null,
    met: bothFaults ? clean : clean ? null : false,
    detail: detail + (bothFaults ? "" : "; only one of the two faults was run"),
  };
}

/** The hundred-k scenario's goals, absolute: the project alone is measured there. */
export const HUNDRED_K_KIB_PER_CONNECTION = 8;
export const HUNDRED_K_P99_MS = 2000;
export const HUNDRED_K_CALLS_PER_WORKER_PER_INTERVAL_PER_1000 = 1;

function judgeHundredK(run: HundredKRun): Verdict[] {
  const at = `${count(run.clients)} clients`;
  const absolute = (name: string, goal: string, figure: number, met: boolean, detail: string): Verdict => ({
    name,
    goal,
    project: figure,
    reference: null,
    ratio: null,
    met,
    detail,
  });
  const kibPerConnection = kib(run.bytesPerConnection);
  const { broadcast, idle } = run;
  return [
    absolute(
      `${at}: connected`,
      "every client connected, none failed or hanging",
      run.connected,
      run.connected === run.clients && run.failed === 0 && run.hanging === 0,
      `${count(run.connected)} of ${count(run.clients)} connected, ${count(run.failed)} failed, ${count(run.hanging)} hanging` +
        (run.secondsToAllConnected === null ? "" : `, all in ${seconds(run.secondsToAllConnected)} s`),
    ),
    absolute(
      `${at}: memory`,
      `server memory per connection above its baseline ≤ ${HUNDRED_K_KIB_PER_CONNECTION} KiB`,
      kibPerConnection,
      kibPerConnection <= HUNDRED_K_KIB_PER_CONNECTION,
      `${kibText(run.bytesPerConnection)} KiB per connection`,
    ),
    absolute(
      `${at}: broadcast`,
      `a message a second to a room of everyone: p99 ≤ ${count(HUNDRED_K_P99_MS)} ms, nothing lost`,
      broadcast.latencyMs.p99,
      broadcast.messages > 0 && broadcast.lost === 0 && broadcast.latencyMs.p99 <= HUNDRED_K_P99_MS,
      `${count(broadcast.messages)} messages to ${count(broadcast.receivers)} receivers: p99 ${ms(broadcast.latencyMs.p99)} ms, ` +
        `max ${ms(broadcast.latencyMs.max)} ms, ${count(broadcast.lost)} of ${count(broadcast.expected)} deliveries lost`,
    ),
    absolute(
      `${at}: idle upkeep`,
      `Redis calls per worker per refresh interval (${count(idle.refreshIntervalSeconds)} s) per 1,000 connections ≤ ${HUNDRED_K_CALLS_PER_WORKER_PER_INTERVAL_PER_1000}`,
      idle.callsPerWorkerPerIntervalPer1000,
      idle.callsPerWorkerPerIntervalPer1000 <= HUNDRED_K_CALLS_PER_WORKER_PER_INTERVAL_PER_1000,
      `${fraction(idle.callsPerWorkerPerIntervalPer1000)}, ${fraction(idle.callsBesidesPingPerWorkerPerIntervalPer1000)} besides PING ` +
        `(${fraction(idle.redisCallsPerSecond)} calls/s in all); ` +
        `workers' CPU ${idle.workerCpuPercent.map((percent) => `${fraction(percent)} %`).join(", ")} of a core`,
    ),
  ];
}
