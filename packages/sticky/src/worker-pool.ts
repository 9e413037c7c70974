import cluster, { type Worker } from "node:cluster";

export type LoadBalancingMethod = "least-connection" | "round-robin" | "random";

/**
 * A connection routed to a worker for a new session counts for that worker this long at
 * most while the session is not reported (a handshake that failed never is).
 */
const routedTimeoutMs = 30_000;

interface WorkerLoad {
  /** setupWorker has run there: a connection handed over earlier would be dropped. */
  ready: boolean;
  /** Sessions the worker reported open. */
  sessions: number;
  /** When each connection that may open a session was routed there, oldest first. */
  routed: number[];
}

/** The workers that can take a connection, and which one a new session goes to. */
export class WorkerPool {
  readonly #loads = new Map<number, WorkerLoad>();
  #nextIndex = 0;

  constructor(readonly method: LoadBalancingMethod) {}

  #load(worker: Worker): WorkerLoad {
    let load = this.#loads.get(worker.id);
    if (load === undefined) {
      load = { ready: false, sessions: 0, routed: [] };
      this.#loads.set(worker.id, load);
    }
    return load;
  }

  markReady(worker: Worker): void {
    this.#load(worker).ready = true;
  }

  forget(worker: Worker): void {
    this.#loads.delete(worker.id);
  }

  isAvailable(worker: Worker | undefined): worker is Worker {
    return worker !== undefined && this.#loads.get(worker.id)?.ready === true && worker.isConnected() && !worker.isDead();
  }

  byId(id: number | undefined): Worker | undefined {
    const worker = id === undefined ? undefined : cluster.workers?.[id];
    return this.isAvailable(worker) ? worker : undefined;
  }

  /**
   * The worker for a connection that belongs to no known session. With "least-connection" a
   * connection that may open a session counts for its worker from now on, not only once the
   * session is reported: else a whole burst goes to the worker least loaded when it began.
   */
  choose(mayOpenSession: boolean): Worker | undefined {
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => this.isAvailable(worker));
    if (workers.length === 0) return undefined;
    switch (this.method) {
      case "random":
        return workers[Math.floor(Math.random() * workers.length)];
      case "round-robin":
        this.#nextIndex = (this.#nextIndex + 1) % workers.length;
        return workers[this.#nextIndex];
      case "least-connection": {
        let least: Worker | undefined;
        let leastLoad = Infinity;
        for (const worker of workers) {
          const load = this.#weight(worker);
          if (load < leastLoad) {
            least = worker;
            leastLoad = load;
          }
        }
        if (least !== undefined && mayOpenSession) this.#load(least).routed.push(Date.now());
        return least;
      }
    }
  }

  #weight(worker: Worker): number {
    const load = this.#load(worker);
    const oldest = Date.now() - routedTimeoutMs;
    while ((load.routed[0] ?? Infinity) < oldest) load.routed.shift();
    return load.sessions + load.routed.length;
  }

  /** Sessions opened on the worker: each turns its oldest routed connection into a session. */
  opened(worker: Worker, count: number): void {
    if (this.method !== "least-connection") return;
    const load = this.#load(worker);
    load.sessions += count;
    load.routed.splice(0, count);
  }

  closed(worker: Worker, count: number): void {
    if (this.method !== "least-connection") return;
    this.#load(worker).sessions -= count;
  }
}
