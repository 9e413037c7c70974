import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TargetName } from "../results.ts";
import { redisReceivedPattern } from "../reference/signals.ts";
import { launch, type TargetServer } from "./server-process.ts";

/** A port nothing listens on now, on loopback. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

const benchDir = fileURLToPath(new URL("../../", import.meta.url));
const referenceMain = fileURLToPath(new URL("../reference/main.ts", import.meta.url));

export interface TargetSettings {
  workers: number;
  redisUrl: string;
  /** The project's server as users run it: the build of @chat/server (`pnpm bench` builds it first). */
  projectMain: string;
  /** Where both targets' processes write CPU profiles (a folder per target), when asked for. */
  cpuProfDir?: string;
}

/** A start-up on a machine this busy can be slow: workers load their code all at once. */
const startTimeoutMs = 60_000;

/**
 * Starts one instance of `target`. `namespace` is its Redis prefix (project) or adapter key
 * (reference): unique per run, so runs sharing one Redis never meet, and shared by the
 * instances that make up one deployment.
 */
export async function startTarget(target: TargetName, settings: TargetSettings, namespace: string): Promise<TargetServer> {
  const common = { PORT: "0", WORKERS: String(settings.workers), REDIS_URL: settings.redisUrl };
  // Node flags of the primary, which cluster workers inherit (Node 20 refuses --cpu-prof in NODE_OPTIONS).
  const profiling =
    settings.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(settings.cpuProfDir, target)}`];
  if (target === "reference") {
    return launch({
      target,
      command: [process.execPath, ...profiling, "--import", "tsx", referenceMain],
      cwd: benchDir,
      env: { ...process.env, ...common, REFERENCE_KEY: namespace },
      startTimeoutMs,
    });
  }
  const { projectMain } = settings;
  if (!existsSync(projectMain)) {
    throw new Error(`${projectMain} is missing: build the server first (pnpm build)`);
  }
  // A port of its own: several instances of one deployment run side by side.
  const opsPort = await freePort();
  return launch({
    target,
    command: [process.execPath, ...profiling, projectMain],
    cwd: benchDir,
    env: {
      ...process.env,
      ...common,
      REDIS_PREFIX: namespace,
      // The limits meant for people would throttle the load itself.
      SEND_RATE_PER_CONNECTION: "100000",
      SEND_RATE_PER_USER: "100000",
      MAX_CONNECTIONS_PER_WORKER: "100000",
      MAX_CONNECTIONS_PER_USER: "100000",
      EVENT_RATE_PER_CONNECTION: "100000",
      EVENT_RATE_PER_USER: "100000",
      OPS_PORT: String(opsPort),
    },
    startTimeoutMs,
    opsPort,
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
  if (server.opsPort === undefined) return Array.from({ length: workers }, () => Number.NaN);
  const response = await fetch(`http://127.0.0.1:${server.opsPort}/metrics`, { signal: AbortSignal.timeout(15_000) });
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

/** The reference's workers print their counts on SIGUSR2 (one line each); the primary passes the signal on. */
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
    setTimeout(() => reject(new Error(`reference: only ${perWorker.size} of ${workers} workers answered SIGUSR2`)), 15_000).unref(),
  );
  try {
    await Promise.race([heard, timeout]);
  } finally {
    stopListening();
  }
  return [...perWorker.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
}
