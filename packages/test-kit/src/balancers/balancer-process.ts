import { spawn } from "node:child_process";
import { acceptsConnections } from "../ports.ts";
import { onLines } from "../lines.ts";
import { isAlive, processTree } from "../processes/proc.ts";
import { boundedOr, pollUntil } from "../time.ts";

/** A load balancer running in front of chat instances, as the tests start it. */
export interface RunningBalancer {
  /** `haproxy` or `nginx`. */
  readonly kind: string;
  /** Where clients connect: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** What it printed (stdout and stderr), a line an entry. */
  readonly lines: string[];
  /** Stops it and every process under it. */
  stop(): Promise<void>;
}

/** Every balancer started and not yet stopped, so that a failed test leaves none running. */
const running = new Set<RunningBalancer>();

export const stopAllBalancers = async (): Promise<void> => {
  await Promise.all([...running].map((balancer) => balancer.stop()));
};

/**
 * Runs `command` in the foreground and waits until `port` accepts connections; a balancer
 * that exits or does not listen within `startTimeoutMs` is an error naming what it printed.
 */
export async function runBalancer(
  kind: string,
  command: string[],
  port: number,
  env: Record<string, string>,
  startTimeoutMs = 15_000,
): Promise<RunningBalancer> {
  const [executable = kind, ...args] = command;
  const child = spawn(executable, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const take = (line: string) => {
    lines.push(line);
    if (process.env.CHAT_TEST_VERBOSE) process.stderr.write(`[${kind} ${child.pid}] ${line}\n`);
  };
  onLines(child.stdout, take);
  onLines(child.stderr, take);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (error) => take(`cannot start ${executable}: ${error.message}`));

  let stopped: Promise<void> | undefined;
  const balancer: RunningBalancer = {
    kind,
    url: `http://127.0.0.1:${port}`,
    port,
    lines,
    stop() {
      stopped ??= (async () => {
        // nginx's workers are its children; known before the master goes.
        const tree = child.pid === undefined ? [] : processTree(child.pid);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await boundedOr(exited, 5_000, undefined);
        for (const pid of tree.filter(isAlive)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Gone meanwhile.
          }
        }
        running.delete(balancer);
      })();
      return stopped;
    },
  };
  running.add(balancer);
  let gone = false;
  void exited.then(() => (gone = true));
  const listening = await pollUntil(async () => gone || (await acceptsConnections(port)), startTimeoutMs);
  if (gone || !listening) {
    await balancer.stop();
    throw new Error(`${kind} did not start listening on port ${port}:\n${lines.join("\n")}`);
  }
  return balancer;
}
