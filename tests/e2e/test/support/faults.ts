import {
  boundedOr,
  type CliProcess,
  clusterWorkers,
  connectedId,
  errorLines,
  type Exit,
  killRef,
  messageLines,
  pollUntil,
  type ProcessRef,
  readStream,
  type RedisProxy,
  type RedisServer,
  type RunningServer,
  sleep,
  spawnCli,
  startRedisProxy,
  startRedisServer,
  startServer,
  stopAllClis,
  type StreamEntry,
} from "@chat/test-kit";

/*
 * The shared part of the fault tests: a Redis and a 2-worker cluster of their own, three
 * real `chat` processes in the lobby, two of them writing numbered lines, and the checks
 * that count every message against the room's stream in Redis.
 */

/**
 * The `error:` lines that report a request as failed. The client also says, once per run of
 * lines held back by the server's send limit, `error: rate_limited: ...; sending it as soon as
 * allowed`: a delay, not a failure (the line is retried), so it is not counted here.
 */
export const failureLines = (cli: CliProcess): string[] =>
  errorLines(cli).filter((line) => !/^error: rate_limited: .*; sending it as soon as allowed$/.test(line));

// ---------------------------------------------------------------------------------------
// Everything a test starts, stopped whatever happens.

export interface Rig {
  redis: RedisServer;
  /** The proxy the server reaches Redis through, if the rig was started with one. */
  proxy: RedisProxy | undefined;
  server: RunningServer;
  /** Every worker process seen, so that none outlives the test even if the primary is killed. */
  readonly workersSeen: ProcessRef[];
  /** The live workers now, by cluster worker id (each is remembered for the clean-up). */
  workers(): Map<number, ProcessRef>;
}

let current: Rig | undefined;

/**
 * How long a process may take to start: generous, since these tests share two cores with
 * whatever else runs, and tsx compiles the sources at every start.
 */
const startTimeoutMs = 60_000;

/**
 * A durable Redis of the test's own and a 2-worker server that uses it, directly or (with
 * `proxy`) through a proxy that can slow the network down.
 */
export async function startRig({ proxy: withProxy = false }: { proxy?: boolean } = {}): Promise<Rig> {
  if (current !== undefined) throw new Error("one rig at a time: call stopRig() first");
  const redis = await startRedisServer({ durable: true });
  let proxy: RedisProxy | undefined;
  let server: RunningServer;
  try {
    proxy = withProxy ? await startRedisProxy(redis.port) : undefined;
    server = await startServer({ workers: 2, env: { REDIS_URL: proxy?.url ?? redis.url }, startTimeoutMs });
  } catch (error) {
    await proxy?.close();
    await redis.dispose();
    throw error;
  }
  const workersSeen: ProcessRef[] = [];
  const workers = () => {
    const live = clusterWorkers(server.child.pid ?? -1);
    for (const ref of live.values()) {
      if (!workersSeen.some((seen) => seen.pid === ref.pid && seen.startTime === ref.startTime)) workersSeen.push(ref);
    }
    return live;
  };
  workers();
  current = { redis, proxy, server, workersSeen, workers };
  return current;
}

/** Stops the clients, the server (SIGTERM, then SIGKILL) and its workers, and Redis; removes Redis's directory. */
export async function stopRig(): Promise<void> {
  await stopAllClis();
  const rig = current;
  current = undefined;
  if (rig === undefined) return;
  try {
    rig.workers();
    const { child } = rig.server;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const stopped = await boundedOr(rig.server.exited.then(() => true), 20_000, false);
      if (!stopped) {
        child.kill("SIGKILL");
        await boundedOr(rig.server.exited, 5_000, undefined);
      }
    }
    rig.workersSeen.forEach(killRef);
  } finally {
    await rig.proxy?.close();
    await rig.redis.dispose();
  }
}

// ---------------------------------------------------------------------------------------
// The clients.

export interface Participant {
  readonly name: string;
  readonly cli: CliProcess;
  /** The cluster worker it connected to first. */
  readonly worker: number;
  /** The lines written to its stdin, in order. */
  readonly written: string[];
}

async function join(server: RunningServer, name: string): Promise<Participant> {
  const cli = spawnCli([name, "--url", server.url]);
  // A client that dies is a failed check (it stops printing), not a crash of the test on EPIPE.
  cli.child.stdin?.on("error", () => undefined);
  const id = connectedId(await cli.waitForLine(/^connected, id: /, { timeoutMs: startTimeoutMs }));
  return { name, cli, worker: await server.workerOf(id, startTimeoutMs), written: [] };
}

/**
 * A, B and C in the lobby, A and B on different workers (so C shares a worker with one of
 * them). A "B" that lands on A's worker stays connected while the next one is tried, so that
 * the primary's least-connection choice moves on; it is stopped before anyone writes.
 */
export async function joinThree(server: RunningServer): Promise<{ a: Participant; b: Participant; c: Participant }> {
  const a = await join(server, "A");
  const spares: Participant[] = [];
  let b: Participant | undefined;
  for (let attempt = 0; attempt < 6 && b === undefined; attempt++) {
    const candidate = await join(server, "B");
    if (candidate.worker !== a.worker) b = candidate;
    else spares.push(candidate);
  }
  if (b === undefined) throw new Error("six B clients in a row landed on A's worker");
  const c = await join(server, "C");
  await Promise.all(spares.map((spare) => spare.cli.stop()));
  return { a, b, c };
}

/** `A-007`: the `index`th line (from 1) of `name`. */
export const numbered = (name: string, index: number): string => `${name}-${String(index).padStart(3, "0")}`;

/**
 * Every `intervalMs`, each sender writes its next numbered line, `count` lines in all. After
 * line `index` has been written, `during.get(index)` runs (awaited: the writing pauses while
 * it runs, so what it does should be quick, or start work it does not wait for).
 */
export async function writeNumbered(
  senders: Participant[],
  count: number,
  intervalMs: number,
  during: Map<number, () => Promise<void>> = new Map(),
): Promise<void> {
  for (let index = 1; index <= count; index++) {
    for (const sender of senders) {
      const line = numbered(sender.name, index);
      sender.written.push(line);
      sender.cli.send(line);
    }
    await during.get(index)?.();
    await sleep(intervalMs);
  }
}

/** The stream entries `name` should have printed: every other user's, in stream order. */
const expectedFor = (stream: StreamEntry[], name: string): string[] =>
  stream.filter((entry) => entry.from !== name).map((entry) => `${entry.text} from ${entry.from}`);

export const streamKey = (prefix: string, room = "lobby"): string => `${prefix}:room:{${room}}:log`;

export type Ending = Exit | "still running";

export interface Outcome {
  /** The room's stream as Redis holds it at the end: the canonical order. */
  stream: StreamEntry[];
  /** How each sender's process ended after its stdin was closed. */
  exits: Map<string, Ending>;
}

/**
 * Once everything was written: waits (bounded) until Redis holds every written line or a
 * sender reported a failure, until every client printed as many messages as it should, and
 * a little longer for stragglers (a late duplicate would show then); then ends the senders'
 * input and waits for their exits (bounded), and reads the stream for the checks.
 */
export async function finish(rig: Rig, senders: Participant[], listeners: Participant[]): Promise<Outcome> {
  const key = streamKey(rig.server.prefix);
  const written = senders.flatMap((sender) => sender.written.map((text) => ({ from: sender.name, text })));
  await pollUntil(async () => {
    if (senders.some((sender) => failureLines(sender.cli).length > 0 || sender.cli.child.exitCode !== null)) return true;
    const stream = await readStream(rig.redis.url, key).catch(() => []);
    const stored = new Set(stream.map((entry) => `${entry.from} ${entry.text}`));
    return written.every(({ from, text }) => stored.has(`${from} ${text}`));
  }, 80_000, 250);

  const everyone = [...senders, ...listeners];
  /**
   * Until every client has printed as many messages as the stream holds from the others, or
   * none has printed anything for `quietMs` (what is missing then is not on its way), or 60 s.
   */
  const printedAll = async (quietMs = 15_000) => {
    const stream = await readStream(rig.redis.url, key);
    const printed = () => everyone.reduce((sum, { cli }) => sum + cli.stdout.length, 0);
    let last = printed();
    let lastChange = Date.now();
    return pollUntil(() => {
      if (printed() !== last) {
        last = printed();
        lastChange = Date.now();
      }
      const complete = everyone.every(({ cli, name }) => messageLines(cli).length >= expectedFor(stream, name).length);
      return complete || Date.now() - lastChange > quietMs;
    }, 60_000);
  };
  await printedAll();
  await sleep(1_000);

  senders.forEach((sender) => sender.cli.end());
  const exits = new Map<string, Ending>(
    await Promise.all(
      senders.map(async (sender) => {
        // Resolves once the process has exited and its output is all read.
        const ending: Ending = await sender.cli.exit(80_000).catch((): Ending => "still running");
        return [sender.name, ending] as const;
      }),
    ),
  );
  // The listeners keep running: let them show anything still on its way, then settle.
  await printedAll();
  await sleep(1_000);
  return { stream: await readStream(rig.redis.url, key), exits };
}

// ---------------------------------------------------------------------------------------
// The checks.

/**
 * What is wrong with what `name` printed, against the stream: lines missing, shown twice,
 * shown out of stream order, or not in the stream at all. Empty when it printed exactly the
 * other users' messages, in stream order, each once.
 */
export function printedProblems(participant: Participant, stream: StreamEntry[]): string[] {
  const printed = messageLines(participant.cli);
  const expected = expectedFor(stream, participant.name);
  const problems: string[] = [];
  const counts = new Map<string, number>();
  printed.forEach((line) => counts.set(line, (counts.get(line) ?? 0) + 1));
  for (const line of expected) {
    const seen = counts.get(line) ?? 0;
    if (seen === 0) problems.push(`missing: ${line}`);
    if (seen > 1) problems.push(`printed ${seen} times: ${line}`);
  }
  const wanted = new Set(expected);
  for (const line of new Set(printed)) if (!wanted.has(line)) problems.push(`not in the stream (or its own): ${line}`);
  // Order: the printed lines that are in the stream, first occurrences, against stream order.
  const firsts = [...new Set(printed)].filter((line) => wanted.has(line));
  const inStreamOrder = expected.filter((line) => firsts.includes(line));
  const at = firsts.findIndex((line, index) => line !== inStreamOrder[index]);
  if (at !== -1) {
    problems.push(`out of stream order from printed line ${at}: printed ${firsts[at]}, stream order has ${inStreamOrder[at]}`);
  }
  return problems;
}

/**
 * What is wrong with one sender's lines in the stream: a line stored more than once, a line
 * neither stored nor named by an `error:` line (dropped without a word), a stored line it never
 * wrote, its lines stored out of the order written, a message without a client id.
 */
export function sentProblems(sender: Participant, stream: StreamEntry[]): string[] {
  const problems: string[] = [];
  const mine = stream.filter((entry) => entry.from === sender.name);
  const errors = failureLines(sender.cli);
  for (const text of sender.written) {
    const stored = mine.filter((entry) => entry.text === text).length;
    if (stored > 1) problems.push(`stored ${stored} times: ${text}`);
    if (stored === 0 && !errors.some((line) => line.includes(text))) {
      problems.push(`neither stored nor reported: ${text}`);
    }
  }
  const written = new Set(sender.written);
  for (const entry of mine) {
    if (!written.has(entry.text)) problems.push(`stored but never written: ${entry.text} (${entry.id})`);
    if (entry.clientId === undefined || entry.clientId === "") problems.push(`stored without a client id: ${entry.text}`);
  }
  const storedOrder = [...new Set(mine.map((entry) => entry.text))];
  const writtenOrder = sender.written.filter((text) => storedOrder.includes(text));
  const at = storedOrder.findIndex((text, index) => text !== writtenOrder[index]);
  if (at !== -1) problems.push(`stored out of the order written at ${at}: ${storedOrder[at]} before ${writtenOrder[at]}`);
  return problems;
}

/** Client ids that more than one stream entry carries. */
export function repeatedClientIds(stream: StreamEntry[]): string[] {
  const seen = new Map<string, number>();
  for (const { clientId } of stream) if (clientId !== undefined) seen.set(clientId, (seen.get(clientId) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([clientId]) => clientId);
}

/** The `connected, id: ...` lines a client printed: one a (re)connection. */
export const connections = (cli: CliProcess): string[] => cli.stdout.filter((line) => /^connected, id: \S+$/.test(line));

/** The primary's `worker N exited ...` lines. */
export const workerExits = (server: RunningServer): string[] =>
  server.lines.filter((line) => /^primary, worker \d+ exited /.test(line));

/** A short account of a client's output for a failure message: its last lines. */
export const tail = (participant: Participant, lines = 15): string =>
  `${participant.name} (worker ${participant.worker}), last lines:\n${participant.cli.stdout.slice(-lines).join("\n")}\nstderr:\n${participant.cli.stderr.slice(-lines).join("\n")}`;

/** Everything the checks found, per client: all empty (and exits 0) when nothing was lost, repeated or reordered. */
export interface Count {
  /** Client ids carried by more than one stored message. */
  repeatedClientIds: string[];
  /** Stored messages from anyone but the writers. */
  strangers: string[];
  /** Per writer: what went wrong with its lines (b), the failures it reported, how it ended. */
  sent: Record<string, { problems: string[]; failures: string[]; exit: Ending | undefined }>;
  /** Per client: what went wrong with what it printed (a). */
  printed: Record<string, string[]>;
}

/** Counts every message of a run against the stream: checks (a) and (b). */
export function countEveryMessage({ stream, exits }: Outcome, senders: Participant[], listeners: Participant[]): Count {
  const writers = new Set(senders.map((sender) => sender.name));
  return {
    repeatedClientIds: repeatedClientIds(stream),
    strangers: stream.filter((entry) => !writers.has(entry.from)).map((entry) => `${entry.text} from ${entry.from}`),
    sent: Object.fromEntries(
      senders.map((sender) => [
        sender.name,
        { problems: sentProblems(sender, stream), failures: failureLines(sender.cli), exit: exits.get(sender.name) },
      ]),
    ),
    printed: Object.fromEntries([...senders, ...listeners].map((participant) => [participant.name, printedProblems(participant, stream)])),
  };
}

/** The count of a run in which nothing went wrong. */
export function cleanCount(senders: Participant[], listeners: Participant[]): Count {
  return {
    repeatedClientIds: [],
    strangers: [],
    sent: Object.fromEntries(senders.map((sender) => [sender.name, { problems: [], failures: [], exit: { code: 0, signal: null } }])),
    printed: Object.fromEntries([...senders, ...listeners].map((participant) => [participant.name, []])),
  };
}
