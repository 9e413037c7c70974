import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { onLines } from "../lines.ts";
import { processTree } from "../processes/proc.ts";
import { uniquePrefix } from "../redis/commands.ts";
import { fromSource, serverMain } from "../source.ts";
import { sleep } from "../time.ts";
import { OutputFile } from "./output-file.ts";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Added to this process's environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Arguments after the entry point. */
  args?: string[];
  /** A command and arguments to run the server under (for example `ip netns exec NAME`). */
  wrapper?: string[];
  /**
   * Node's flags and the entry point. The server's sources by default; the bench runs the
   * server's build, and a server of its own, with flags of its own (CPU profiles).
   */
  node?: string[];
  cwd?: string;
  /**
   * Where the output goes. "memory" (the default) keeps every line in `lines` as it comes.
   * "file" appends it to a temporary file that is read only while someone waits for a line:
   * for thousands of connections, each logged, on a machine whose CPU is being measured.
   */
  output?: "memory" | "file";
  /**
   * How long `stop()` waits after its signal before it SIGKILLs the process and every Node
   * process under it. Unset: as long as the process takes (a test of shutdown wants to see
   * how it ends).
   */
  stopTimeoutMs?: number;
  /** Names the process in errors and verbose output. */
  name?: string;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /**
   * What the process has printed on stdout and stderr, a line an entry: every line with
   * `output: "memory"`; with "file", the last few lines read.
   */
  readonly lines: string[];
  /** What the process has printed on stderr (its errors, with their causes), every line; empty with `output: "file"`. */
  readonly stderr: string[];
  /** Calls `listener` with each line printed from now on; the returned function stops it. */
  onLine(listener: (line: string) => void): () => void;
  /** Resolves with the first line (in `lines` already, or to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The worker id that logged `connected, id: <socketId>`. */
  workerOf(socketId: string, timeoutMs?: number): Promise<number>;
  readonly exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM by default) and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Lines kept with `output: "file"`, to explain a server that did not start. */
const keptLines = 40;
/** How often an output file is read while someone waits for a line of it. */
const pollMs = 50;

/** Every server started and not yet exited, so that an interrupted run can stop them. */
const running = new Set<ServerProcess>();

/** Stops every server still running (an interrupted bench, say). */
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

/** Starts the server (`node <flags> main.ts`) as a real process and follows what it prints. */
export function spawnServer(options: SpawnOptions = {}): ServerProcess {
  const { env = {}, args = [], wrapper = [], node = fromSource(serverMain), output = "memory", name = "server" } = options;
  const command = [...wrapper, process.execPath, ...node, ...args];
  const file = output === "file" ? new OutputFile() : undefined;
  const writerEnd = file?.openForWriter();
  let child: ChildProcess;
  try {
    child = spawn(command[0] as string, command.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...env },
      stdio: writerEnd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", writerEnd, writerEnd],
    });
  } finally {
    if (writerEnd !== undefined) closeSync(writerEnd);
  }

  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const take = (line: string) => {
    lines.push(line);
    if (file !== undefined && lines.length > keptLines) lines.shift();
    if (process.env.CHAT_TEST_VERBOSE) process.stderr.write(`[${name} ${child.pid}] ${line}\n`);
    for (const listener of [...listeners]) listener(line);
  };
  // A file is read while someone listens; otherwise it only grows.
  const poller = file === undefined ? undefined : setInterval(() => listeners.size > 0 && file.read(take), pollMs);
  const stderr: string[] = [];
  onLines(child.stdout, take);
  onLines(child.stderr, (line) => {
    stderr.push(line);
    take(line);
  });

  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  const onLine = (listener: (line: string) => void) => {
    // From now on: what was printed before is passed over.
    file?.read(take);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  const waitForLine = (pattern: RegExp, timeoutMs = 15_000) => {
    file?.read(take);
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const stop = onLine((line) => {
        if (!pattern.test(line)) return;
        stop();
        clearTimeout(timer);
        resolve(line);
      });
      const timer = setTimeout(() => {
        stop();
        file?.read(take);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; the ${name} printed:\n${lines.join("\n")}`));
      }, timeoutMs);
    });
  };

  const server: ServerProcess = {
    child,
    lines,
    stderr,
    onLine,
    waitForLine,
    async workerOf(socketId, timeoutMs) {
      const escaped = socketId.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");
      const line = await waitForLine(new RegExp(`^worker: (\\d+), connected, id: ${escaped}$`), timeoutMs);
      return Number(/^worker: (\d+)/.exec(line)?.[1]);
    },
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const { stopTimeoutMs } = options;
      // Known before the primary goes: workers it leaves behind are killed by id.
      const tree = stopTimeoutMs === undefined || child.pid === undefined ? [] : processTree(child.pid);
      child.kill(signal);
      if (stopTimeoutMs === undefined) return exited;
      await Promise.race([exited, sleep(stopTimeoutMs)]);
      for (const member of tree.filter(isStillNode)) {
        try {
          process.kill(member, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      return exited;
    },
  };
  running.add(server);
  void exited.then(() => {
    running.delete(server);
    clearInterval(poller);
    file?.read(take);
    file?.remove();
  });
  return server;
}

export interface StartOptions extends SpawnOptions {
  /** WORKERS (2 by default). */
  workers?: number;
  /** REDIS_PREFIX: a fresh one by default, so that tests do not hear each other. */
  prefix?: string;
  startTimeoutMs?: number;
  /**
   * Whether the server opens an operations port (the project's does; other servers the bench
   * runs do not). Then OPS_PORT is 0 unless `env` says otherwise, so that servers started at
   * once never want the same port, and `opsUrl` is read from the line that names it.
   */
  operationsPort?: boolean;
}

export interface RunningServer extends ServerProcess {
  readonly port: number;
  readonly url: string;
  /** The operations endpoints' base URL (`/metrics`, the detailed `/readyz`), on loopback; "" without them. */
  readonly opsUrl: string;
  readonly prefix: string;
}

/** The primary's line naming the operations port, printed once it listens on the public one. */
const opsLinePattern = /operations endpoints \(\/metrics, \/readyz\) on (http:\/\/\S+)/;

/**
 * Starts a server and waits until it listens (a busy machine may take a while: each worker
 * compiles the sources as it starts). Port 0 unless `env` says otherwise, so the system
 * picks a free one. A server that does not come up is killed, not left behind.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const prefix = options.prefix ?? uniquePrefix();
  const name = options.name ?? "server";
  const server = spawnServer({
    ...options,
    env: {
      PORT: "0",
      WORKERS: String(options.workers ?? 2),
      REDIS_PREFIX: prefix,
      ...(options.operationsPort === false ? {} : { OPS_PORT: "0" }),
      ...options.env,
    },
  });
  try {
    const line = await Promise.race([
      server.waitForLine(/listening on port \d+/, options.startTimeoutMs ?? 60_000),
      server.exited.then(({ code, signal }) => {
        throw new Error(`${name} exited (${signal ?? code}) before listening:\n${server.lines.join("\n")}`);
      }),
    ]);
    const port = Number(/listening on port (\d+)/.exec(line)?.[1]);
    const opsUrl =
      options.operationsPort === false ? "" : (opsLinePattern.exec(await server.waitForLine(opsLinePattern, 15_000))?.[1] ?? "");
    return Object.assign(server, { port, url: `http://127.0.0.1:${port}`, opsUrl, prefix });
  } catch (error) {
    server.child.kill("SIGKILL");
    await server.exited;
    throw error;
  }
}
