/**
 * What one `pnpm bench` run measured: the shape of `results/latest.json`, which the table
 * and the chart are drawn from. Every figure is for one target ("project" or "reference")
 * in one repetition; the report compares them side by side.
 */

/** The project's server, the first reference (the Redis adapter recipe) and the second (the streams recipe). */
export type TargetName = "project" | "reference" | "streams";
export const targetNames: readonly TargetName[] = ["project", "reference", "streams"];

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  redis: string;
  platform: string;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One level of offered load against one target. Latencies in milliseconds. */
export interface FanoutStep {
  target: TargetName;
  repetition: number;
  receivers: number;
  senders: number;
  /** Messages per second each sender was asked to send. */
  ratePerSender: number;
  /** Deliveries per second asked for: senders × rate × receivers. */
  offeredDeliveriesPerSecond: number;
  /** Messages the senders actually got out (acked, for the project) during the window. */
  sent: number;
  /** Deliveries expected: sent × receivers. */
  expected: number;
  delivered: number;
  /** expected − delivered, after the drain wait. */
  lost: number;
  durationSeconds: number;
  /** Deliveries that reached receivers during the window (whenever sent), per second: a backlog drained later is not throughput. */
  deliveriesPerSecond: number;
  latencyMs: Latency;
  /** Receivers that got at least one message of the window (all of them, when nothing is wrong). */
  receiversReached?: number;
  /** Messages due in the window that never counted as sent: refused, never acked, or skipped while too many awaited acks. */
  notSent?: number;
}

export interface IdleStep {
  target: TargetName;
  repetition: number;
  clients: number;
  /** Of `clients`, those that connected (all, unless the server could not take them within a minute); bytesPerConnection divides by this. */
  connected?: number;
  /** Resident memory of every server process (primary and workers), summed, in bytes. */
  rssBaselineBytes: number;
  rssBytes: number;
  bytesPerConnection: number;
}

export interface StormRun {
  target: TargetName;
  repetition: number;
  clients: number;
  connected: number;
  failed: number;
  /** Still neither connected nor failed when the run gave up on them. */
  hanging: number;
  secondsToAllConnected: number | null;
}

export interface RoomsRun {
  target: TargetName;
  repetition?: number;
  instances: number;
  workersPerInstance: number;
  rooms: number;
  clients: number;
  messages: number;
  delivered: number;
  /** Redis pub/sub messages each worker received during the run, in worker order. */
  redisReceivedPerWorker: number[];
  /** Each worker's count above divided by the messages sent: 1 or more when every worker gets every room's traffic. */
  redisReceivedPerWorkerPerMessage: number[];
  /** Sum of the per-worker counts over the deliveries made. */
  redisReceivedPerDelivery: number;
  /** Rooms with a member on each instance, in instance order: the first hosts every room, the second half of them. */
  roomsPerInstance?: number[];
}

/** One master of the cluster in the cluster-rooms scenario. */
export interface MasterFigures {
  /** `host:port`. */
  node: string;
  /** Hash slots it serves, as "from-to" ranges. */
  slots: string[];
  /** Keys under the run's prefix it holds at the end, and of them streams (a room's or an inbox's history each). */
  keys: number;
  streams: number;
  /** Shard channels under the prefix with subscribers here, and their subscriptions, at the end of the traffic. */
  shardChannels: number;
  subscriptions: number;
  /** Those subscriptions by connection (a worker's subscriber each; the cluster is the run's own), most first. */
  subscriptionsByConnection: number[];
  /** Commands it ran while the traffic went out (INFO commandstats), in all and by name; scripts' own calls included. */
  commands: number;
  commandsByName: Record<string, number>;
  /** Of those, SPUBLISH: messages published on its shard channels. */
  published: number;
  /** Whether the namespace channel hashes here. */
  holdsNamespaceChannel: boolean;
}

/** A master flooded with messages on one shard channel. */
export interface ChannelFlood {
  subscribers: number;
  payloadBytes: number;
  seconds: number;
  /** Messages published, and received by all the subscribers together. */
  published: number;
  received: number;
  /** CPU time the master used meanwhile: near `seconds`, the master was the limit; well under, the publisher and subscribers were. */
  masterCpuSeconds: number;
}

/** The cluster-rooms scenario: the project's server on a Redis Cluster, many rooms spread over the masters. */
export interface ClusterRoomsRun {
  repetition: number;
  masters: number;
  replicasPerMaster: number;
  workers: number;
  rooms: number;
  clients: number;
  messages: number;
  delivered: number;
  /** Direct messages sent while the rooms' traffic went out, and received. */
  directMessages: number;
  directDelivered: number;
  /** Seconds from the first message to the end of the drain: what the rates below divide by. */
  seconds: number;
  perMaster: MasterFigures[];
  /** Redis pub/sub messages each worker received while the traffic went out, in worker order. */
  redisReceivedPerWorker: number[];
  /** What crossed the namespace channel meanwhile: every worker receives all of it. */
  namespaceChannel: {
    subscribers: number;
    messages: number;
    bytes: number;
    byType: Record<string, number>;
    seconds: number;
  };
  /**
   * What the namespace channel's master carried, flooded on a channel of the same slot with as
   * many subscribers, and the CPU time it used doing so: Redis runs commands and writes to
   * subscribers on one thread, so one core over the CPU time per message is the most one
   * master passes on, whatever the number of masters.
   */
  namespaceCapacity: ChannelFlood;
  /** The same flood with more subscribers, as a deployment with more workers would have. */
  widerFloods?: ChannelFlood[];
}

/** The Redis a server of the replica-wait scenario runs on. */
export type RedisSetup = "cluster-wait" | "cluster-no-wait" | "single";

/** A fan-out step of the replica-wait scenario: the project's server on one Redis setup. */
export interface ReplicaWaitStep extends FanoutStep {
  setup: RedisSetup;
}

/** The faults scenario's two faults: a worker killed (SIGKILL), or Redis stopped for a few seconds. */
export type FaultKind = "worker" | "redis";

/**
 * One numbered stream through one fault against one target: what each receiver got, message by
 * message (receiver × message pairs), and what the sender was told.
 */
export interface FaultRun {
  target: TargetName;
  repetition: number;
  fault: FaultKind;
  /** Messages the sender sent. */
  messages: number;
  receivers: number;
  /** Messages the sender's client reported failed. */
  failed: number;
  /** Sends neither sent nor failed when the scenario stopped waiting for them. */
  unsettled: number;
  /** Receiver × message pairs delivered exactly once. */
  once: number;
  /** Pairs delivered more than once. */
  twice: number;
  /** Pairs never delivered, of messages not reported failed. */
  lost: number;
  /** Pairs delivered of messages the sender was told failed. */
  deliveredThoughFailed: number;
  /** Receivers that got some message after one with a higher number. */
  outOfOrderReceivers: number;
  /** Receivers that lost their connection during the run, and whether the sender did: whom the fault hit. */
  receiversDropped: number;
  senderDropped: boolean;
}

/** The 100,000-connection scenario (or as many as asked for), against the project alone. */
export interface BroadcastCpu {
  seconds: number;
  serverCores: number;
  generatorCores: number;
  userPercent: number;
  systemPercent: number;
  /** Interrupts and softirqs: loopback TCP's receiving is largely here. */
  interruptPercent: number;
  idlePercent: number;
}

export interface HundredKRun {
  target: TargetName;
  /** Clients asked for: the receivers and one sender. */
  clients: number;
  workers: number;
  generators: number;
  /** The server's heartbeat: each connection pinged this often (ms). */
  pingIntervalMs: number;
  connected: number;
  failed: number;
  hanging: number;
  secondsToAllConnected: number | null;
  /** Resident memory of every server process, before the clients and with them all connected and idle. */
  rssBaselineBytes: number;
  rssBytes: number;
  bytesPerConnection: number;
  /** A message a second to the room holding every client. */
  broadcast: {
    /** Messages sent; `acknowledged` of them were acknowledged as stored. */
    messages: number;
    acknowledged: number;
    receivers: number;
    expected: number;
    delivered: number;
    lost: number;
    latencyMs: Latency;
    /**
     * The machine's CPU from the first message until the last delivery counted (or the
     * wait for them gave up): the server's processes and the generators', in cores used on
     * average, and the machine's own split (/proc/stat), in percent of all its cores.
     */
    cpu: BroadcastCpu;
  };
  /** Upkeep while every client idles. */
  idle: {
    /** How long Redis was watched (MONITOR), and, before that, the workers' CPU. */
    seconds: number;
    cpuSeconds: number;
    /** The server's calls to Redis per second (a script call counts once). */
    redisCallsPerSecond: number;
    callsPerSecondByCommand: Record<string, number>;
    /** Commands the scripts ran inside those calls, per second. */
    scriptedPerSecond: number;
    scriptedPerSecondByCommand: Record<string, number>;
    refreshIntervalSeconds: number;
    /** Redis calls per worker per presence refresh interval per 1,000 of that worker's connections. */
    callsPerWorkerPerIntervalPer1000: number;
    /** The same without PING, each Redis connection's health check: a cost per worker, whatever its connections. */
    callsBesidesPingPerWorkerPerIntervalPer1000: number;
    /** Each worker's CPU, in percent of one core. */
    workerCpuPercent: number[];
  };
}

export interface BenchResult {
  startedAt: string;
  command: string;
  /** "full" for `pnpm bench`, "smoke" for the tests' tiny run. */
  mode: "full" | "smoke";
  workers: number;
  machine: Machine;
  fanout: FanoutStep[];
  idle: IdleStep[];
  storm: StormRun[];
  rooms: RoomsRun[];
  faults: FaultRun[];
  hundredK: HundredKRun[];
  clusterRooms?: ClusterRoomsRun[];
  replicaWait?: ReplicaWaitStep[];
}
