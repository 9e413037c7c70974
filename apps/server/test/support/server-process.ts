import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { onLines } from "./lines.ts";

/** The server's entry point, run from source: tests need no build. */
export const serverMain = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** Node's flags for running the workspace from source (workers inherit them). */
export const sourceFlags = ["--conditions=@chat/source", "--import", "tsx"];

/** A Redis prefix no other test uses, so that test clusters sharing one Redis never meet. */
export const uniquePrefix = (): string => `test-${randomBytes(6).toString("hex")}`;

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything the process has written to stdout and stderr, a line an entry. */
  readonly lines: string[];
  /** Resolves with the first line (present or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The worker id that logged `connected, id: <socketId>`. */
  workerOf(socketId: string, timeoutMs?: number): Promise<number>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGTERM by default) and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  args?: string[];
  /** A command and arguments to run the server under (for example `ip netns exec NAME`). */
  wrapper?: string[];
}

/** Starts `node <flags> main.ts` as a real process and collects what it prints. */
export function spawnServer({ env = {}, args = [], wrapper = [] }: SpawnOptions = {}): ServerProcess {
  const command = [...wrapper, process.execPath, ...sourceFlags, serverMain, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    // OPS_PORT 0 unless a test says otherwise: tests running at once must not want one port.
    env: { ...process.env, OPS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const take = (line: string) => {
    lines.push(line);
    if (process.env.CHAT_TEST_VERBOSE) process.stderr.write(`[server ${child.pid}] ${line}\n`);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) onLines(stream, take);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  const waitForLine = (pattern: RegExp, timeoutMs = 15_000) => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; the server printed:\n${lines.join("\n")}`));
      }, timeoutMs);
      waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };

  return {
    child,
    lines,
    waitForLine,
    async workerOf(socketId, timeoutMs) {
      const escaped = socketId.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");
      const line = await waitForLine(new RegExp(`^worker: (\\d+), connected, id: ${escaped}$`), timeoutMs);
      return Number(/^worker: (\d+)/.exec(line)?.[1]);
    },
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface RunningServer extends ServerProcess {
  readonly port: number;
  readonly url: string;
  /** The operations port's base URL (`/metrics`, the detailed `/readyz`), on loopback. */
  readonly opsUrl: string;
  readonly prefix: string;
}

/** The primary's line naming the operations port, printed once it listens on the public one. */
const opsLinePattern = /operations endpoints \(\/metrics, \/readyz\) on (http:\/\/\S+)/;

/**
 * Starts a server and waits until it listens (a busy machine may take a while: each worker
 * compiles the sources as it starts). Port 0 by default, so the system picks a free one; a
 * fresh Redis prefix unless one is given, so that tests do not hear each other. A server that
 * does not come up is killed, not left behind.
 */
export async function startServer(
  options: SpawnOptions & { workers?: number; prefix?: string; startTimeoutMs?: number } = {},
): Promise<RunningServer> {
  const prefix = options.prefix ?? uniquePrefix();
  const server = spawnServer({
    ...options,
    env: { PORT: "0", OPS_PORT: "0", WORKERS: String(options.workers ?? 2), REDIS_PREFIX: prefix, ...options.env },
  });
  try {
    const line = await Promise.race([
      server.waitForLine(/listening on port \d+/, options.startTimeoutMs ?? 60_000),
      server.exited.then(({ code, signal }) => {
        throw new Error(`server exited (${signal ?? code}) before listening:\n${server.lines.join("\n")}`);
      }),
    ]);
    const port = Number(/listening on port (\d+)/.exec(line)?.[1]);
    const opsUrl = opsLinePattern.exec(await server.waitForLine(opsLinePattern, 15_000))?.[1] ?? "";
    return Object.assign(server, { port, url: `http://127.0.0.1:${port}`, opsUrl, prefix });
  } catch (error) {
    await server.stop("SIGKILL");
    throw error;
  }
}
