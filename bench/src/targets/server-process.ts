import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { sleep } from "../clock.ts";
import type { TargetName } from "../results.ts";
import { processTree } from "./process-tree.ts";

/** A server under test, listening. */
export interface TargetServer {
  readonly target: TargetName;
  readonly port: number;
  /** The project's operations port (`/metrics`), when it has one. */
  readonly opsPort: number | undefined;
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
  /** The operations port the server was told to use (OPS_PORT), if any. */
  opsPort?: number;
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

/** How often a server's output file is read while someone waits for a line of it. */
const pollMs = 50;

/**
 * What a server prints, stdout and stderr, appended to a file of its own, as a deployment
 * writes its log to a file or a journal. The harness reads it only while it waits for a
 * line (the server's start, or an answer to a signal): the project logs a line per
 * connection, and reading ten thousand lines of a storm through a pipe would be work of this
 * process, on the machine under test, that no deployment does.
 */
class OutputFile {
  readonly #dir = mkdtempSync(join(tmpdir(), "chat-bench-"));
  readonly #path = join(this.#dir, "output.log");
  readonly #decoder = new StringDecoder("utf8");
  readonly #chunk = Buffer.alloc(64 * 1024);
  #fd: number | undefined;
  #offset = 0;
  #partial = "";

  /** A descriptor for the server to write to; the caller closes it once the server has it. */
  openForServer(): number {
    const fd = openSync(this.#path, "a");
    this.#fd = openSync(this.#path, "r");
    return fd;
  }

  /** Calls `take` with each whole line written since the last call. */
  read(take: (line: string) => void): void {
    if (this.#fd === undefined) return;
    for (;;) {
      const bytes = readSync(this.#fd, this.#chunk, 0, this.#chunk.length, this.#offset);
      if (bytes === 0) return;
      this.#offset += bytes;
      const text = this.#partial + this.#decoder.write(this.#chunk.subarray(0, bytes));
      const end = text.lastIndexOf("\n");
      this.#partial = text.slice(end + 1);
      if (end >= 0) for (const line of text.slice(0, end).split("\n")) take(line);
    }
  }

  remove(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Starts a server and waits for its `listening on port N` line, keeping the last few lines
 * until then to explain a server that did not start.
 */
export async function launch({ target, command, cwd, env, startTimeoutMs, opsPort }: Launch): Promise<TargetServer> {
  const [executable, ...args] = command;
  const output = new OutputFile();
  const serverEnd = output.openForServer();
  let child: ChildProcess;
  try {
    child = spawn(executable, args, { cwd, env, stdio: ["ignore", serverEnd, serverEnd] });
  } finally {
    closeSync(serverEnd);
  }
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const take = (line: string) => {
    recent.push(line);
    if (recent.length > keptLines) recent.shift();
    for (const listener of listeners) listener(line);
  };
  // Read while someone listens; otherwise the file only grows.
  const poller = setInterval(() => {
    if (listeners.size > 0) output.read(take);
  }, pollMs);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        output.read(take);
        reject(new Error(`${target} server did not listen within ${startTimeoutMs} ms:\n${recent.join("\n")}`));
      }, startTimeoutMs);
      let listening = false;
      listeners.add((line) => {
        const match = /listening on port (\d+)/.exec(line);
        if (match === null || listening) return;
        listening = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      });
      void exited.then(() => {
        if (listening) return;
        clearTimeout(timer);
        output.read(take);
        reject(new Error(`${target} server exited (${child.exitCode ?? child.signalCode}) before listening:\n${recent.join("\n")}`));
      });
    });
  } catch (error) {
    child.kill("SIGKILL");
    clearInterval(poller);
    output.remove();
    throw error;
  }
  listeners.clear();

  const pid = child.pid as number;
  const server: TargetServer = {
    target,
    port,
    opsPort,
    pid,
    onLine(listener) {
      // From now on: what was printed before is passed over.
      if (listeners.size === 0) output.read(() => {});
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
  void exited.then(() => {
    running.delete(server);
    clearInterval(poller);
    output.remove();
  });
  return server;
}
