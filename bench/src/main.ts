import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { BenchContext } from "./context.ts";
import { Fleet } from "./generator/fleet.ts";
import { describeMachine, removeRunKeys } from "./machine.ts";
import { parseOptions, UsageError, usage, type BenchOptions } from "./options.ts";
import { renderChart } from "./report/chart.ts";
import { renderTable } from "./report/table.ts";
import type { BenchResult, TargetName } from "./results.ts";
import { runClusterRooms } from "./scenarios/cluster-rooms.ts";
import { runFanout } from "./scenarios/fanout.ts";
import { runFaults } from "./scenarios/faults.ts";
import { runHundredK } from "./scenarios/hundred-k.ts";
import { runIdle } from "./scenarios/idle.ts";
import { runReplicaWait } from "./scenarios/replica-wait.ts";
import { runRooms } from "./scenarios/rooms.ts";
import { runStorm } from "./scenarios/storm.ts";
import { stopAllServers } from "@chat/test-kit";

const startedAt = performance.now();
/** Progress on stderr, each line with the seconds since the start: stdout holds only the table. */
const log = (message: string) =>
  process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

/** The machine's load averages over 1, 5 and 15 minutes: what else ran beside the measurement. */
const loadText = () =>
  loadavg()
    .map((load) => load.toFixed(1))
    .join(", ");

async function bench(options: BenchOptions, argv: readonly string[]): Promise<boolean> {
  await mkdir(options.out, { recursive: true });
  const cpuProfDir = options.cpuProf ? join(options.out, "profiles") : undefined;
  if (cpuProfDir !== undefined) await mkdir(cpuProfDir, { recursive: true });

  const result: BenchResult = {
    startedAt: new Date().toISOString(),
    command: ["pnpm bench", ...argv].join(" "),
    mode: options.mode,
    workers: options.workers,
    machine: await describeMachine(options.redisUrl),
    fanout: [],
    idle: [],
    storm: [],
    rooms: [],
    faults: [],
    hundredK: [],
  };
  // Every Redis prefix and adapter key of this run starts with this, and nothing else's does.
  const runPrefix = `bench-${randomBytes(4).toString("hex")}`;
  let servers = 0;
  const fleet = await Fleet.start(options.generators);
  const ctx: BenchContext = {
    options,
    fleet,
    settings: {
      workers: options.workers,
      redisUrl: options.redisUrl,
      projectMain: options.projectMain,
      ...(cpuProfDir === undefined ? {} : { cpuProfDir }),
    },
    namespace: (target: TargetName) => `${runPrefix}-${target.charAt(0)}${++servers}`,
    log,
  };
  log(
    `bench: ${options.mode} run, ${options.workers} workers per server, ${options.generators} generators, ` +
      `scenarios ${[...options.only].join(", ")}, Redis prefix ${runPrefix}, load average ${loadText()}`,
  );

  // Interrupted, the run still stops what it started, rather than leave servers running.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`bench: ${signal}, stopping`);
      void Promise.allSettled([stopAllServers(), fleet.close(), removeRunKeys(options.redisUrl, runPrefix)]).then(() =>
        process.exit(130),
      );
    });
  }

  let failure: unknown;
  try {
    if (options.only.has("fanout")) result.fanout = await runFanout(ctx);
    if (options.only.has("idle")) result.idle = await runIdle(ctx);
    if (options.only.has("storm")) result.storm = await runStorm(ctx);
    if (options.only.has("rooms")) result.rooms = await runRooms(ctx);
    if (options.only.has("faults")) result.faults = await runFaults(ctx);
    if (options.only.has("hundred-k")) result.hundredK = await runHundredK(ctx);
    if (options.only.has("cluster-rooms")) result.clusterRooms = await runClusterRooms(ctx);
    if (options.only.has("replica-wait")) result.replicaWait = await runReplicaWait(ctx);
  } catch (error) {
    // What was measured before the failure is still written out.
    failure = error;
  } finally {
    await fleet.close();
    await removeRunKeys(options.redisUrl, runPrefix).catch((error: unknown) => log(`could not remove the run's Redis keys: ${String(error)}`));
  }

  log(`bench: done, load average ${loadText()}`);
  await writeFile(join(options.out, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(options.out, "fanout-latency.svg"), renderChart(result));
  process.stdout.write(renderTable(result));
  log(`bench: wrote ${join(options.out, "latest.json")} and ${join(options.out, "fanout-latency.svg")}`);
  if (failure !== undefined) {
    log(`bench: stopped early: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
    return false;
  }
  return true;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: BenchOptions | "help";
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`bench: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return (await bench(options, argv)) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
