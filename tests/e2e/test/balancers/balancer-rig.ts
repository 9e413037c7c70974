import { Agent } from "node:http";
import {
  boundedOr,
  isAlive,
  pollUntil,
  processTree,
  type RunningBalancer,
  type RunningServer,
  startServer,
  uniquePrefix,
} from "@chat/test-kit";

/*
 * Three chat instances (each a primary with two workers) sharing the Redis at
 * 127.0.0.1:6379 under a prefix of their own, and a real load balancer in front of them
 * started from the repository's configuration.
 */

export type StartBalancer = (instances: readonly [string, string, string]) => Promise<RunningBalancer>;

export interface Instance {
  /** `instance1` to `instance3`, as the balancer's configuration names them. */
  readonly name: string;
  readonly server: RunningServer;
  /** Every process of the instance (primary and workers) seen, so that none outlives the file. */
  readonly pids: Set<number>;
}

export interface BalancerRig {
  readonly instances: readonly Instance[];
  readonly balancer: RunningBalancer;
  readonly prefix: string;
  readonly redisUrl: string;
}

export const redisUrl = "redis://127.0.0.1:6379";

/** Generous: three instances compile their sources at once on a shared machine. */
const startTimeoutMs = 90_000;

/** `env`: settings added to every instance's. */
export async function startBalancerRig(start: StartBalancer, env: Readonly<Record<string, string>> = {}): Promise<BalancerRig> {
  const prefix = uniquePrefix();
  const settled = await Promise.allSettled(
    [1, 2, 3].map((index) =>
      startServer({
        workers: 2,
        prefix,
        name: `instance${index}`,
        startTimeoutMs,
        // Draining in a few seconds keeps the file short; the clients are told at once anyway.
        env: { ...env, REDIS_URL: redisUrl, SHUTDOWN_TIMEOUT_MS: "6000" },
      }),
    ),
  );
  const servers = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = settled.find((result) => result.status === "rejected");
  if (failed !== undefined || servers.length !== 3) {
    await Promise.all(servers.map((server) => server.stop("SIGKILL")));
    throw failed?.reason ?? new Error("an instance did not start");
  }
  const instances = servers.map((server, index) => ({ name: `instance${index + 1}`, server, pids: new Set<number>() }));
  instances.forEach(rememberProcesses);
  const addresses = servers.map((server) => `127.0.0.1:${server.port}`) as [string, string, string];
  try {
    return { instances, balancer: await start(addresses), prefix, redisUrl };
  } catch (error) {
    await stopInstances(instances);
    throw error;
  }
}

const rememberProcesses = (instance: Instance): void => {
  const pid = instance.server.child.pid;
  if (pid !== undefined && isAlive(pid)) processTree(pid).forEach((member) => instance.pids.add(member));
};

async function stopInstances(instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      rememberProcesses(instance);
      const { child } = instance.server;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await boundedOr(instance.server.exited, 15_000, undefined);
      }
      killAll(instance);
    }),
  );
}

const killAll = (instance: Instance): void => {
  for (const pid of instance.pids) {
    try {
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
};

export async function stopBalancerRig(rig: BalancerRig | undefined): Promise<void> {
  if (rig === undefined) return;
  await rig.balancer.stop();
  await stopInstances(rig.instances);
}

/** The host's sudden death: the instance's primary and every worker, SIGKILLed at once. */
export function killInstance(instance: Instance): void {
  rememberProcesses(instance);
  killAll(instance);
}

/** The instance whose worker logged `connected, id: <socketId>`. */
export async function instanceOf(rig: BalancerRig, socketId: string, timeoutMs = 15_000): Promise<Instance> {
  const line = `, connected, id: ${socketId}`;
  let found: Instance | undefined;
  await pollUntil(() => {
    found = rig.instances.find((instance) => instance.server.lines.some((printed) => printed.startsWith("worker: ") && printed.endsWith(line)));
    return found !== undefined;
  }, timeoutMs, 50);
  if (found === undefined) throw new Error(`no instance logged the connection ${socketId}`);
  return found;
}

let nextHost = 2;

/**
 * An HTTP agent whose connections leave from the next loopback address (127.0.0.2,
 * 127.0.0.3, ...): nginx hashes the client's address, and clients all on 127.0.0.1 would
 * all land on one instance. The agent serves both long-polling and the WebSocket.
 */
export function agentFromNextAddress(): { agent: Agent; address: string } {
  const address = `127.0.0.${nextHost}`;
  nextHost = nextHost >= 250 ? 2 : nextHost + 1;
  return { agent: new Agent({ keepAlive: true, localAddress: address }), address };
}

/** An agent from a given source address (a client coming back from where another came). */
export const agentFrom = (address: string): Agent => new Agent({ keepAlive: true, localAddress: address });

/**
 * Socket.IO client options for a client behind the balancer: HAProxy's cookie kept and sent
 * back (withCredentials enables socket.io-client's cookie jar in Node), and the agent.
 * socket.io-client types `agent` as a string (its browser side); in Node it takes an
 * `http.Agent`, which engine.io-client hands to both transports.
 */
export const behindBalancer = (agent: Agent): { withCredentials: true; agent: string } => ({
  withCredentials: true,
  agent: agent as unknown as string,
});

/**
 * Connects (with `connect`, from fresh source addresses) until a client lands on an
 * instance not in `taken`; the ones that landed elsewhere stay connected meanwhile (so that
 * HAProxy's least-connection choice moves on) and are closed before it returns.
 */
export async function connectElsewhere<C>(
  rig: BalancerRig,
  taken: ReadonlySet<Instance>,
  connect: (agent: Agent, address: string) => Promise<{ client: C; socketId: string }>,
  close: (client: C) => void,
): Promise<{ client: C; instance: Instance; address: string }> {
  const spares: C[] = [];
  try {
    for (let attempt = 0; attempt < 40; attempt++) {
      const { agent, address } = agentFromNextAddress();
      const { client, socketId } = await connect(agent, address);
      const instance = await instanceOf(rig, socketId);
      if (!taken.has(instance)) return { client, instance, address };
      spares.push(client);
    }
    throw new Error(`forty clients in a row landed on ${[...taken].map((instance) => instance.name).join(", ")}`);
  } finally {
    spares.forEach(close);
  }
}
