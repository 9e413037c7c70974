import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, sleep } from "@chat/server/testing";
import { redisCommand } from "./resp.ts";

/**
 * A redis-server of the test's own that keeps every acknowledged write across a crash: an
 * append-only file fsynced before each reply (`--appendonly yes --appendfsync always`), in a
 * temporary directory. It can be killed (SIGKILL: a crash) or shut down and started again on
 * the same port and directory.
 */
export interface DurableRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** What redis-server printed, over every start, a line an entry. */
  readonly log: string[];
  /** Starts redis-server (again) and resolves once it answers PING, its data loaded. */
  start(): Promise<void>;
  /** SIGKILL: Redis dies without a word, as in a crash; resolves once it is gone. */
  kill(): Promise<void>;
  /** `SHUTDOWN` (which fsyncs the append-only file); resolves once the process is gone. */
  shutdown(): Promise<void>;
  readonly running: boolean;
  /** Kills the server if it runs and removes its directory. */
  dispose(): Promise<void>;
}

const startTimeoutMs = 30_000;

export async function startDurableRedis(): Promise<DurableRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chat-durable-redis-"));
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const isRunning = (proc: ChildProcess | undefined): proc is ChildProcess =>
    proc !== undefined && proc.exitCode === null && proc.signalCode === null;

  const start = async () => {
    if (isRunning(child)) throw new Error(`redis-server on port ${port} is already running`);
    const spawned = spawn(
      "redis-server",
      [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--dir", dir,
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "always",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = spawned;
    exited = new Promise<void>((resolve) => spawned.once("exit", () => resolve()));
    for (const stream of [spawned.stdout, spawned.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => log.push(...chunk.split("\n").filter((line) => line !== "")));
    }
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (!isRunning(spawned)) throw new Error(`redis-server on port ${port} exited at start:\n${log.join("\n")}`);
      // While it loads the append-only file Redis answers -LOADING: not ready yet.
      const reply = await redisCommand(port, ["PING"], 1_000).catch(() => undefined);
      if (reply === "PONG") return;
      if (Date.now() > deadline) {
        spawned.kill("SIGKILL");
        throw new Error(`redis-server on port ${port} did not answer PING within ${startTimeoutMs} ms:\n${log.join("\n")}`);
      }
      await sleep(50);
    }
  };

  const kill = async () => {
    if (!isRunning(child)) return;
    child.kill("SIGKILL");
    await exited;
  };

  const shutdown = async () => {
    if (!isRunning(child)) return;
    await redisCommand(port, ["SHUTDOWN"], 10_000).catch(() => undefined);
    const gone = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!gone) await kill();
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    log,
    start,
    kill,
    shutdown,
    get running() {
      return isRunning(child);
    },
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
