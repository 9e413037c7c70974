import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../ports.ts";
import { boundedOr, sleep } from "../time.ts";
import { answersPing, withRedis } from "./commands.ts";

export interface RedisServerOptions {
  /**
   * Keep every acknowledged write across a crash: an append-only file fsynced before each
   * reply. Off by default: a restarted server starts empty, which is all a test of
   * reconnection needs, and cheaper on a shared disk.
   */
  durable?: boolean;
  /**
   * Start as a Redis Cluster node that knows no other node yet, its cluster state file in its
   * directory (so that a restart comes back as the same node) and its cluster bus on a free
   * port of its own. Unset: a standalone server.
   */
  cluster?: RedisClusterNodeOptions;
}

export interface RedisClusterNodeOptions {
  /**
   * How long a node may be unreachable before the others count it as failed and a replica
   * takes over its slots. Redis's default is 15 s; tests want a failover within seconds, but
   * too short a timeout on a busy machine fails over a node that was only slow.
   */
  nodeTimeoutMs: number;
}

/**
 * A redis-server of the test's own, on a free port with a temporary directory, for tests that
 * crash and restart Redis without disturbing anyone else. It starts again on the same port
 * and directory.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The port of the cluster bus, for a cluster node. */
  readonly busPort: number | undefined;
  readonly dir: string;
  /** What redis-server printed, over every start, a line an entry. */
  readonly log: string[];
  /** Starts redis-server (again) and resolves once it answers PING, its data loaded. */
  start(): Promise<void>;
  /** SIGKILL: Redis dies without a word, as in a crash; resolves once it is gone. */
  kill(): Promise<void>;
  /** `SHUTDOWN` (which saves what `durable` keeps); resolves once the process is gone. */
  shutdown(): Promise<void>;
  /** SIGSTOP: Redis keeps its connections open and answers nothing, as a hung server does. */
  hang(): void;
  /** SIGCONT after `hang`; harmless otherwise. */
  resume(): void;
  readonly running: boolean;
  /** Kills the server if it runs and removes its directory. */
  dispose(): Promise<void>;
}

const startTimeoutMs = 30_000;

/** What redis-server prints when a port it was given is taken (its own, or a cluster node's bus port). */
const portTaken = /Failed listening on port \d+|Address already in use/;
/** Starts on ports found taken after they were chosen (another process got there first), each time on new ones. */
const startAttempts = 3;

export async function startRedisServer({ durable = false, cluster }: RedisServerOptions = {}): Promise<RedisServer> {
  // Set by each first-start attempt; a restart keeps them.
  let port = 0;
  let busPort: number | undefined;
  const dir = mkdtempSync(join(tmpdir(), "chat-redis-"));
  const persistence = durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const clustering = (): string[] =>
    cluster === undefined || busPort === undefined
      ? []
      : [
          ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(busPort)],
          ...["--cluster-node-timeout", String(cluster.nodeTimeoutMs)],
          // A replica takes over however long it has been cut off from its master: a test
          // wants the failover, not the protection against stale data.
          ...["--cluster-replica-validity-factor", "0"],
          // A master sends a new replica its data at once, not after the 5 s Redis waits by
          // default for other replicas to share the transfer: each has a master of its own.
          ...["--repl-diskless-sync-delay", "0"],
        ];
  const urlOf = () => `redis://127.0.0.1:${port}`;
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const isRunning = (proc: ChildProcess | undefined): proc is ChildProcess =>
    proc !== undefined && proc.exitCode === null && proc.signalCode === null;

  const start = async () => {
    if (isRunning(child)) throw new Error(`redis-server on port ${port} is already running`);
    const spawned = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...persistence, ...clustering()], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = spawned;
    exited = new Promise<void>((resolve) => spawned.once("exit", () => resolve()));
    // Its output read to the end: what it said before it exited.
    const closed = new Promise<void>((resolve) => spawned.once("close", () => resolve()));
    for (const stream of [spawned.stdout, spawned.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => log.push(...chunk.split("\n").filter((line) => line !== "")));
    }
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (!isRunning(spawned)) {
        await boundedOr(closed, 1000, undefined);
        throw new Error(`redis-server on port ${port} exited at start:\n${log.join("\n")}`);
      }
      if (await answersPing(urlOf())) return;
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

  const resume = () => {
    if (isRunning(child)) child.kill("SIGCONT");
  };

  const shutdown = async () => {
    if (!isRunning(child)) return;
    // A hung server answers no SHUTDOWN.
    resume();
    // Redis closes the connection instead of answering: the call fails, the process goes.
    await withRedis(urlOf(), (redis) => redis.sendCommand(["SHUTDOWN"]), 10_000).catch(() => undefined);
    if (!(await boundedOr(exited.then(() => true), 10_000, false))) await kill();
  };

  for (let attempt = 1; ; attempt++) {
    // A cluster node's bus port is chosen with its port, not taken to be port + 10000 (which
    // may be taken, or past 65535): both free and distinct when chosen.
    [port = 0, busPort] = await freePorts(cluster === undefined ? 1 : 2);
    const logged = log.length;
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= startAttempts || !log.slice(logged).some((line) => portTaken.test(line))) throw error;
      // The node's identity, kept there with its ports, is made afresh on the new ones.
      rmSync(join(dir, "nodes.conf"), { force: true });
    }
  }
  return {
    port,
    url: urlOf(),
    busPort,
    dir,
    log,
    start,
    kill,
    shutdown,
    hang: () => {
      if (isRunning(child)) child.kill("SIGSTOP");
    },
    resume,
    get running() {
      return isRunning(child);
    },
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
