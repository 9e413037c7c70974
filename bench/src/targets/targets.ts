import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromSource, startServer, type RunningServer, type StartOptions } from "@chat/test-kit";
import type { TargetName } from "../results.ts";
import { redisReceivedPattern } from "../reference/signals.ts";

const benchDir = fileURLToPath(new URL("../../", import.meta.url));
const referenceMains: Record<Exclude<TargetName, "project">, string> = {
  reference: fileURLToPath(new URL("../reference/main.ts", import.meta.url)),
  streams: fileURLToPath(new URL("../streams/main.ts", import.meta.url)),
};

export interface TargetSettings {
  workers: number;
  redisUrl: string;
  /** The project's server as users run it: the build of @chat/server (`pnpm bench` builds it first). */
  projectMain: string;
  /** Where every target's processes write CPU profiles (a folder per target), when asked for. */
  cpuProfDir?: string;
}

/** A server under test, listening. */
export interface TargetServer extends RunningServer {
  readonly target: TargetName;
  /** The primary's process id: the root of the tree whose memory is measured. */
  readonly pid: number;
}

/**
 * How every target runs: their output in a file (a line per connection, read only while the
 * harness waits for one), a start-up bound for a machine this busy (workers load their code
 * all at once), and a stop that kills what is left of the tree after 12 s.
 */
const launchOptions = { cwd: benchDir, output: "file", startTimeoutMs: 60_000, stopTimeoutMs: 12_000 } satisfies StartOptions;

async function launch(target: TargetName, options: StartOptions): Promise<TargetServer> {
  const server = await startServer({ ...launchOptions, name: `${target} server`, ...options });
  return Object.assign(server, { target, pid: server.child.pid as number });
}

/**
 * Starts one instance of `target`. `namespace` is its Redis prefix (project) or adapter key
 * (reference): unique per run, so runs sharing one Redis never meet, and shared by the
 * instances that make up one deployment.
 */
export function startTarget(
  target: TargetName,
  settings: TargetSettings,
  namespace: string,
  /** The project's Redis settings in place of `REDIS_URL=settings.redisUrl` (a cluster's `REDIS_CLUSTER_NODES`, `REDIS_WAIT_REPLICAS`). */
  redisEnv?: Record<string, string | undefined>,
): Promise<TargetServer> {
  const { workers } = settings;
  // Node flags of the primary, which cluster workers inherit (Node 20 refuses --cpu-prof in NODE_OPTIONS).
  const profiling =
    settings.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(settings.cpuProfDir, target)}`];
  if (target !== "project") {
    return launch(target, {
      workers,
      node: [...profiling, ...fromSource(referenceMains[target])],
      env: { REDIS_URL: settings.redisUrl, REFERENCE_KEY: namespace },
      operationsPort: false,
    });
  }
  const { projectMain } = settings;
  if (!existsSync(projectMain)) {
    return Promise.reject(new Error(`${projectMain} is missing: build the server first (pnpm build)`));
  }
  return launch(target, {
    workers,
    prefix: namespace,
    node: [...profiling, projectMain],
    env: {
      ...(redisEnv ?? { REDIS_URL: settings.redisUrl }),
      // The limits meant for people would throttle the load itself.
      SEND_RATE_PER_CONNECTION: "100000",
      SEND_RATE_PER_USER: "100000",
      MAX_CONNECTIONS_PER_WORKER: "100000",
      MAX_CONNECTIONS_PER_USER: "100000",
      EVENT_RATE_PER_CONNECTION: "100000",
      EVENT_RATE_PER_USER: "100000",
    },
  });
}

/**
 * Redis pub/sub messages each worker of `server` has received so far, in worker id order.
 * The project exposes the count as `chat_redis_messages_received_total{worker="<id>"}`; where
 * it does not (yet), every count is NaN.
 */
export function redisReceived(server: TargetServer, workers: number): Promise<number[]> {
  return server.target === "project" ? projectRedisReceived(server, workers) : referenceRedisReceived(server, workers);
}

async function projectRedisReceived(server: TargetServer, workers: number): Promise<number[]> {
  if (server.opsUrl === "") return Array.from({ length: workers }, () => Number.NaN);
  const response = await fetch(`${server.opsUrl}/metrics`, { signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const perWorker = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("chat_redis_messages_received_total{")) continue;
    const worker = /worker="(\d+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (worker !== undefined && Number.isFinite(value)) perWorker.set(Number(worker), (perWorker.get(Number(worker)) ?? 0) + value);
  }
  if (perWorker.size === 0) return Array.from({ length: workers }, () => Number.NaN);
  return [...perWorker.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
}

/** The references' workers print their counts on SIGUSR2 (one line each); the primary passes the signal on. */
async function referenceRedisReceived(server: TargetServer, workers: number): Promise<number[]> {
  const perWorker = new Map<number, number>();
  let stopListening = () => {};
  const heard = new Promise<void>((resolve) => {
    stopListening = server.onLine((line) => {
      const match = redisReceivedPattern.exec(line);
      if (match === null) return;
      perWorker.set(Number(match[1]), Number(match[2]));
      if (perWorker.size >= workers) resolve();
    });
  });
  process.kill(server.pid, "SIGUSR2");
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${server.target}: only ${perWorker.size} of ${workers} workers answered SIGUSR2`)), 15_000).unref(),
  );
  try {
    await Promise.race([heard, timeout]);
  } finally {
    stopListening();
  }
  return [...perWorker.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
}
