import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const scenarios = ["fanout", "idle", "storm", "rooms", "faults", "hundred-k", "cluster-rooms", "replica-wait"] as const;
export type Scenario = (typeof scenarios)[number];

export interface FanoutOptions {
  receivers: number;
  senders: number;
  /** Messages per second per sender, step by step, until every target saturates. */
  rates: number[];
  warmupMs: number;
  /**
   * The window whose deliveries are counted. At the low rates where the reference's p99
   * passes 100 ms, a 5 s window held about a hundred messages, so its p99 was the second
   * slowest message, and three runs of one build put the reference's at 72, 75 and 105 ms.
   */
  measureMs: number;
  /** Longest wait after the window for the last deliveries. */
  drainMs: number;
}

export interface ClusterRoomsOptions {
  rooms: number;
  messagesPerRoom: number;
  /** Room messages per second over all rooms. */
  messagesPerSecond: number;
  /** Direct messages sent while the rooms' traffic goes out: they ride the namespace channel. */
  directMessages: number;
  drainMs: number;
  /** How long the namespace channel's master is flooded to find what it carries. */
  capacityMs: number;
}

export interface ReplicaWaitOptions {
  /** Fan-out messages per second per sender, each against every Redis setup (the fan-out's receivers and senders). */
  rates: number[];
}

export interface BenchOptions {
  mode: "full" | "smoke";
  only: ReadonlySet<Scenario>;
  out: string;
  repetitions: number;
  workers: number;
  generators: number;
  redisUrl: string;
  /** The build of the project's server to run. */
  projectMain: string;
  cpuProf: boolean;
  fanout: FanoutOptions;
  idle: { clients: number[]; settleMs: number };
  /** `warmUp`: one storm first, not counted, so that the first measured one does not run on cold code. */
  storm: { clients: number; timeoutMs: number; warmUp: boolean };
  rooms: { rooms: number; messagesPerRoom: number; messagesPerSecond: number; drainMs: number };
  faults: {
    receivers: number;
    /** Messages in the stream, sent at `ratePerSecond`; the fault strikes as message `faultAt` falls due. */
    messages: number;
    ratePerSecond: number;
    faultAt: number;
    /** How long Redis stays stopped. */
    redisDownMs: number;
    /** After the stream, the wait for deliveries ends once none has arrived for this long. */
    stallMs: number;
  };
  hundredK: {
    /** Receivers in the one room (one sender more). */
    clients: number;
    /** Connections per worker and per generator: under the per-process file limit. */
    perProcess: number;
    /** Connections each generator opens at once. */
    concurrency: number;
    /** The server's heartbeat (`PING_INTERVAL_MS`) for this scenario. */
    pingIntervalMs: number;
    /** Messages to the room, one a second. */
    messages: number;
    /** The idle window over which Redis calls and CPU are counted. */
    idleSeconds: number;
    connectTimeoutMs: number;
  };
  clusterRooms: ClusterRoomsOptions;
  replicaWait: ReplicaWaitOptions;
  /** Longest wait for a server's processes to go quiet before a measurement. */
  quietMs: number;
  /** How often a server's CPU use is sampled while waiting for it to go quiet. */
  quietSampleMs: number;
}

export const usage = `Usage: pnpm bench [options]

Runs the project's server and two plain Socket.IO clusters (the references: the Redis adapter
recipe and the streams recipe) on this machine, one after the other, and prints tables
comparing them; writes latest.json and fanout-latency.svg.

  --only <list>        scenarios to run, comma-separated: ${scenarios.join(",")} (default: all)
  --repetitions <n>    runs of each measurement per target, alternating the order (default 2)
  --workers <n>        workers of each server (default: the CPU count)
  --generators <n>     load generator processes (default 4)
  --receivers <n>      fan-out receivers in the room (default 1000)
  --senders <n>        fan-out senders (default 10)
  --rates <list>       fan-out messages per second per sender, step by step (default 1,2,5,10,20,40,80,160,...)
  --wait-rates <list>  replica-wait: fan-out messages per second per sender, on each Redis setup (default 1,2,5)
  --redis-url <url>    Redis for every server (default redis://127.0.0.1:6379)
  --out <dir>          where results go (default bench/results/)
  --project-main <js>  the project's server build to run (default apps/server/dist/main.js)
  --hundred-k-clients <n>      clients of the hundred-k scenario, all in one room (default 100000)
  --hundred-k-per-process <n>  its connections per worker and per generator (default 12500): workers
                       and generators are clients ÷ this, at least 2
  --hundred-k-concurrency <n>  its connections each generator opens at once (default 250)
  --hundred-k-ping-interval <ms>  the server's PING_INTERVAL_MS in it (default 25000, the
                       server's own)
  --cpu-prof           write CPU profiles of every server's processes to <out>/profiles/<target>
  --smoke              a tiny run that checks the harness works, in a few minutes
  --help               show this help`;

const benchDir = fileURLToPath(new URL("../", import.meta.url));
const defaultRates = [1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280];

export class UsageError extends Error {
  override name = "UsageError";
}

const whole = (flag: string, text: string | undefined, fallback: number, min = 1): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag}: expected a whole number of at least ${min}, got ${JSON.stringify(text)}`);
  return value;
};

/** Generator g binds to 127.0.(1+g).1–254: the loopback range has room for 253 of them. */
const generators = (text: string | undefined, fallback: number): number => {
  const count = whole("generators", text, fallback);
  if (count > 253) throw new UsageError("--generators: at most 253 (a block of loopback addresses each)");
  return count;
};

const rateList = (flag: string, text: string | undefined): number[] | undefined =>
  text?.split(",").map((part) => {
    const rate = Number(part);
    if (!(rate > 0)) throw new UsageError(`--${flag}: expected positive numbers, got ${JSON.stringify(part)}`);
    return rate;
  });

export function parseOptions(argv: readonly string[]): BenchOptions | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        smoke: { type: "boolean" },
        only: { type: "string" },
        out: { type: "string" },
        repetitions: { type: "string" },
        workers: { type: "string" },
        generators: { type: "string" },
        receivers: { type: "string" },
        senders: { type: "string" },
        rates: { type: "string" },
        "wait-rates": { type: "string" },
        "redis-url": { type: "string" },
        "project-main": { type: "string" },
        "cpu-prof": { type: "boolean" },
        "hundred-k-clients": { type: "string" },
        "hundred-k-per-process": { type: "string" },
        "hundred-k-concurrency": { type: "string" },
        "hundred-k-ping-interval": { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return "help";
  const text = (flag: string) => (typeof values[flag] === "string" ? (values[flag] as string) : undefined);
  const smoke = values.smoke === true;

  const only = new Set<Scenario>();
  for (const name of (text("only") ?? scenarios.join(",")).split(",").map((part) => part.trim()).filter(Boolean)) {
    if (!(scenarios as readonly string[]).includes(name)) throw new UsageError(`--only: unknown scenario ${JSON.stringify(name)}; expected ${scenarios.join(", ")}`);
    only.add(name as Scenario);
  }
  const rates = rateList("rates", text("rates"));
  const waitRates = rateList("wait-rates", text("wait-rates"));
  // A path given on the command line is the user's, relative to where they typed it (pnpm runs
  // the script in the package's directory and says where it was started in INIT_CWD).
  const out = text("out");
  const projectMain = text("project-main");
  const given = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);

  return {
    mode: smoke ? "smoke" : "full",
    only,
    out: out === undefined ? resolve(benchDir, "results") : given(out),
    repetitions: whole("repetitions", text("repetitions"), smoke ? 1 : 2),
    workers: whole("workers", text("workers"), smoke ? 2 : availableParallelism()),
    generators: generators(text("generators"), smoke ? 2 : 4),
    redisUrl: text("redis-url") ?? "redis://127.0.0.1:6379",
    projectMain: projectMain === undefined ? resolve(benchDir, "../apps/server/dist/main.js") : given(projectMain),
    cpuProf: values["cpu-prof"] === true,
    fanout: {
      receivers: whole("receivers", text("receivers"), smoke ? 5 : 1000),
      senders: whole("senders", text("senders"), smoke ? 2 : 10),
      rates: rates ?? (smoke ? [1, 2] : defaultRates),
      warmupMs: smoke ? 250 : 1000,
      measureMs: smoke ? 1500 : 10_000,
      drainMs: smoke ? 5000 : 15_000,
    },
    idle: { clients: smoke ? [20, 50] : [1000, 10_000], settleMs: smoke ? 250 : 3000 },
    // A smoke run's numbers are not read: no warm-up.
    storm: { clients: smoke ? 50 : 10_000, timeoutMs: 60_000, warmUp: !smoke },
    rooms: smoke
      ? { rooms: 10, messagesPerRoom: 3, messagesPerSecond: 50, drainMs: 5000 }
      : { rooms: 1000, messagesPerRoom: 3, messagesPerSecond: 500, drainMs: 15_000 },
    faults: smoke
      ? { receivers: 3, messages: 12, ratePerSecond: 20, faultAt: 4, redisDownMs: 1000, stallMs: 1500 }
      : { receivers: 20, messages: 100, ratePerSecond: 10, faultAt: 30, redisDownMs: 3000, stallMs: 5000 },
    hundredK: {
      clients: whole("hundred-k-clients", text("hundred-k-clients"), smoke ? 100 : 100_000),
      perProcess: whole("hundred-k-per-process", text("hundred-k-per-process"), 12_500),
      concurrency: whole("hundred-k-concurrency", text("hundred-k-concurrency"), smoke ? 20 : 250),
      pingIntervalMs: whole("hundred-k-ping-interval", text("hundred-k-ping-interval"), 25_000, 1000),
      messages: smoke ? 2 : 10,
      idleSeconds: smoke ? 2 : 20,
      connectTimeoutMs: smoke ? 60_000 : 1_500_000,
    },
    clusterRooms: smoke
      ? { rooms: 10, messagesPerRoom: 3, messagesPerSecond: 50, directMessages: 10, drainMs: 5000, capacityMs: 300 }
      : { rooms: 1000, messagesPerRoom: 3, messagesPerSecond: 500, directMessages: 500, drainMs: 15_000, capacityMs: 3000 },
    replicaWait: { rates: waitRates ?? (smoke ? [1] : [1, 2, 5]) },
    quietMs: smoke ? 3000 : 20_000,
    quietSampleMs: smoke ? 200 : 500,
  };
}
