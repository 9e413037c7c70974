import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { sleep } from "../clock.ts";
import type { TargetName } from "../results.ts";
import { processTree } from "./process-tree.ts";

/** A server under test, listening. */
export interface TargetServer {
  readonly target: TargetName;
  readonly port: number;
  /** The primary's process id: the root of the tree whose memory is measured. */
  readonly pid: number;
  /** Calls `listener` with each line the server prints from now on; the returned function stops it. */
  onLine(listener: (line: string) => void): () => void;
  stop(): Promise<void>;
}

export interface Launch {
  target: TargetName;
  /** The executable and its arguments. */
  command: [string, ...string[]];
  cwd: string;
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
}

/** Lines kept to explain a server that did not start. */
const keptLines = 40;
/** How long a server may take to stop on SIGTERM before its processes are killed. */
const stopTimeoutMs = 12_000;

/** Every server started and not yet stopped, so that an interrupted run can stop them. */
const running = new Set<TargetServer>();

export const stopAllServers = async (): Promise<void> => {
  await Promise.all([...running].map((server) => server.stop()));
};

/** Alive and still a Node process (not an id reused since): a server process to kill. */
const isStillNode = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(process.execPath);
  } catch {
    return false;
  }
};

/**
 * Starts a server and waits for its `listening on port N` line. Everything it prints is read
 * (the project logs a line per connection, and a pipe nobody reads would stall it) and only
 * the last few lines are kept.
 */
export async function launch({ target, command, cwd, env, startTimeoutMs }: Launch): Promise<TargetServer> {
  const [executable, ...args] = command;
  const child = spawn(executable, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const take = (line: string) => {
    recent.push(line);
    if (recent.length > keptLines) recent.shift();
    for (const listener of listeners) listener(line);
  };
  for (const stream of [child.stdout, child.stderr] as Readable[]) createInterface({ input: stream }).on("line", take);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${target} server did not listen within ${startTimeoutMs} ms:\n${recent.join("\n")}`)),
        startTimeoutMs,
      );
      listeners.add((line) => {
        const match = /listening on port (\d+)/.exec(line);
        if (match === null) return;
        clearTimeout(timer);
        resolve(Number(match[1]));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${target} server exited (${child.exitCode ?? child.signalCode}) before listening:\n${recent.join("\n")}`));
      });
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  listeners.clear();

  const pid = child.pid as number;
  const server: TargetServer = {
    target,
    port,
    pid,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Known before the primary goes: workers it leaves behind are killed by id.
      const tree = processTree(pid);
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(stopTimeoutMs)]);
      for (const member of tree.filter(isStillNode)) {
        try {
          process.kill(member, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      await exited;
    },
  };
  running.add(server);
  void exited.then(() => running.delete(server));
  return server;
}
