import { randomBytes } from "node:crypto";
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import {
  childPids,
  connectClient,
  killIfSame,
  type RunningServer,
  type SpawnOptions,
  startServer,
  startTimeOf,
  type TestClient,
  uniquePrefix,
} from "@chat/test-kit";
import { request } from "./requests.ts";

/**
 * The deployment every feature test runs against: instance `one`, a cluster of two workers,
 * and instance `two`, a second server process with one worker on its own port, both on one
 * Redis with one prefix. A client is placed on a chosen instance and worker, so that a test
 * covers "another worker" (one:1 and one:2) and "another instance" (one:* and two:1).
 */
export type Place = "one:1" | "one:2" | "two:1";

export interface Topology {
  readonly prefix: string;
  readonly one: RunningServer;
  readonly two: RunningServer;
  /** Connects `name` on `place`; the client is closed by `close()`. */
  connect(name: string, place: Place, options?: Partial<ManagerOptions & SocketOptions>): Promise<TestClient>;
  /** Where a client of this topology is connected. */
  placeOf(client: TestClient): Place;
  /** Closes every client, stops both instances and kills whatever of them is left. */
  close(): Promise<void>;
}

/** A name no other test of the run uses (rooms, client ids). */
export const unique = (stem: string): string => `${stem}-${randomBytes(4).toString("hex")}`;

/** Everything a server process started, its workers included, so that nothing outlives a test. */
export class ProcessGuard {
  readonly #pids = new Map<number, string | undefined>();
  readonly #servers: RunningServer[] = [];

  /** Remembers `server` and its current workers. */
  watch(server: RunningServer): RunningServer {
    if (!this.#servers.includes(server)) this.#servers.push(server);
    for (const pid of childPids(server.child.pid ?? -1)) if (!this.#pids.has(pid)) this.#pids.set(pid, startTimeOf(pid));
    return server;
  }

  /** Stops every server (`signal`), then SIGKILLs any process of theirs still running. */
  async stopAll(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<void> {
    const servers = this.#servers.splice(0);
    servers.forEach((server) => this.watch(server));
    await Promise.all(
      servers.map(async (server) => {
        const timer = setTimeout(() => void server.stop("SIGKILL"), timeoutMs);
        await server.stop(signal);
        clearTimeout(timer);
      }),
    );
    for (const [pid, startTime] of this.#pids) killIfSame(pid, startTime);
    this.#pids.clear();
  }
}

/** `startServer`, with a longer start-up bound for the topologies' several servers at once. */
export const startServerPatiently = (
  options: SpawnOptions & { workers: number; prefix: string },
  timeoutMs = 90_000,
): Promise<RunningServer> => startServer({ ...options, startTimeoutMs: timeoutMs });

/** Starts `one` (two workers) and `two` (one worker) on a fresh shared prefix, with `env` added to both. */
export async function startTopology(env: Record<string, string> = {}): Promise<Topology> {
  const prefix = uniquePrefix();
  const guard = new ProcessGuard();
  const started = await Promise.allSettled([
    startServerPatiently({ workers: 2, prefix, env }),
    startServerPatiently({ workers: 1, prefix, env }),
  ]);
  for (const result of started) if (result.status === "fulfilled") guard.watch(result.value);
  for (const result of started) {
    if (result.status === "rejected") {
      await guard.stopAll("SIGKILL");
      throw result.reason;
    }
  }
  const [one, two] = started.map((result) => (result.status === "fulfilled" ? result.value : undefined)) as [
    RunningServer,
    RunningServer,
  ];
  const clients: TestClient[] = [];
  const places = new Map<TestClient, Place>();

  const connect: Topology["connect"] = async (name, place, options = {}) => {
    const [instance, worker] = place.split(":") as ["one" | "two", string];
    const server = instance === "one" ? one : two;
    // The primary hands a new connection to the worker with the fewest: connections that
    // land elsewhere stay open until one lands where it should, then close. They are
    // sessions of the same user, so closing them announces nothing.
    const misplaced: TestClient[] = [];
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const client = await connectClient(server.url, name, options);
        clients.push(client);
        if ((await server.workerOf(client.id ?? "")) === Number(worker)) {
          places.set(client, place);
          // One round trip through Redis on the placed session's worker, so that its
          // arrival is recorded before the misplaced sessions leave.
          if (misplaced.length > 0) await request(client, "presence:who", { room: "lobby" });
          return client;
        }
        misplaced.push(client);
      }
      throw new Error(`twenty connections of ${name} in a row missed ${place}`);
    } finally {
      misplaced.forEach((client) => client.close());
    }
  };

  return {
    prefix,
    one,
    two,
    connect,
    placeOf(client) {
      const place = places.get(client);
      if (place === undefined) throw new Error("not a client of this topology");
      return place;
    },
    async close() {
      clients.splice(0).forEach((client) => client.close());
      await guard.stopAll();
    },
  };
}
