import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sleep } from "./chat-clients.ts";
import { onLines } from "./lines.ts";
import { sourceFlags } from "./server-process.ts";

/** The command-line client's entry point, run from source. */
export const clientMain = fileURLToPath(new URL("../../../client/src/main.ts", import.meta.url));
const clientDir = fileURLToPath(new URL("../../../client/", import.meta.url));

/**
 * The Node.js processes among the direct children of `pid`: for a primary, its workers (not
 * the compiler service that tsx may run for a moment while it loads a module).
 */
export function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number)
      .filter((child) => isAlive(child) && commandOf(child) === "node");
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Whether `pid` is a running process (a zombie has exited and counts as gone). */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** When `pid` started (clock ticks since boot): with the pid, names one process even if pids are reused. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** SIGKILLs `pid` if it is still the process that started at `startTime`. */
export function killIfSame(pid: number, startTime: string | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (startTime === undefined || startTimeOf(pid) !== startTime) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The cluster worker id of a worker process: Node passes it as NODE_UNIQUE_ID. */
export function clusterWorkerId(pid: number): number | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .find((variable) => variable.startsWith("NODE_UNIQUE_ID="));
    return entry === undefined ? undefined : Number(entry.slice("NODE_UNIQUE_ID=".length));
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Rejects with `message` if `promise` has not settled within `timeoutMs`: a guard against hangs. */
export function within<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${message} (not within ${timeoutMs} ms)`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process whose stdout and stderr are collected line by line. */
export interface LineProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  write(line: string): void;
  end(): void;
  readonly exited: Promise<Exit>;
  /** Kills the process (if still running) and waits for it. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

export function spawnLines(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LineProcess {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const split = (stream: NodeJS.ReadableStream | null, into: string[]) =>
    onLines(stream, (line) => {
      into.push(line);
      if (process.env.CHAT_TEST_VERBOSE) process.stderr.write(`[${command} ${child.pid}] ${line}\n`);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
  split(child.stdout, stdout);
  split(child.stderr, stderr);
  child.stdin?.on("error", () => undefined); // writing to a process that has gone is not the test's failure
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout,
    stderr,
    waitForLine(pattern, timeoutMs = 15_000) {
      const seen = [...stdout, ...stderr].find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    write(line) {
      child.stdin?.write(`${line}\n`);
    },
    end() {
      child.stdin?.end();
    },
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the real command-line client `chat <name> --url <url>`, optionally under a wrapper. */
export function spawnChatCli(name: string, url: string, wrapper: string[] = []): LineProcess {
  const command = [...wrapper, process.execPath, ...sourceFlags, clientMain, name, "--url", url];
  return spawnLines(command[0] as string, command.slice(1), { cwd: clientDir });
}

/**
 * A private network namespace with only a loopback interface: nothing answers on
 * 127.0.0.1:6379 in it, whatever runs on the host. Needs root.
 */
export interface NetworkNamespace {
  readonly name: string;
  /** The command prefix that runs a program inside the namespace. */
  readonly wrapper: string[];
  /** The pids of every process in the namespace. */
  pids(): number[];
  dispose(): void;
}

export function createNetworkNamespace(): NetworkNamespace {
  const name = `chat-test-${process.pid}-${randomBytes(4).toString("hex")}`;
  execFileSync("ip", ["netns", "add", name]);
  try {
    execFileSync("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
  } catch (error) {
    execFileSync("ip", ["netns", "del", name]);
    throw error;
  }
  return {
    name,
    wrapper: ["ip", "netns", "exec", name],
    pids: () =>
      execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(Number)
        .filter((pid) => isAlive(pid)),
    dispose() {
      for (const pid of execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" }).split("\n")) {
        if (pid.trim() === "") continue;
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      execFileSync("ip", ["netns", "del", name]);
    },
  };
}

/** The command name of a process ("node" for Node.js), or undefined once it is gone. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}
