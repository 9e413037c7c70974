import { createChatClient, type ChatClient, type Outgoing } from "@chat/client-core";
import { compareMessageIds, type ChatMessage, type RoomPage } from "@chat/protocol";
import {
  collect,
  connectClient,
  pollUntil,
  type RedisCluster,
  type RunningServer,
  sleep,
  startRedisCluster,
  startServer,
  type TestClient,
  uniquePrefix,
  withRedis,
  within,
} from "@chat/test-kit";
import { expect, onTestFailed } from "vitest";

/*
 * The shared part of the Redis Cluster fault tests: a cluster of three masters with a replica
 * each, two chat servers on it (one worker each, one Redis prefix), writers on both servers
 * sending numbered lines to one busy room through the client core (which retries a line with
 * its client id until it is acknowledged), a listener that records every message as it comes
 * off the wire, and the counts of what was sent, acknowledged, refused and delivered.
 */

export interface ClusterChat {
  cluster: RedisCluster;
  servers: RunningServer[];
  room: string;
  prefix: string;
  writers: Writer[];
  wire: WireListener;
}

export interface Writer {
  name: string;
  client: ChatClient;
  /** Each line the writer sent, in order, with when it was sent relative to the fault. */
  lines: SentLine[];
}

export interface SentLine {
  text: string;
  /** Whether the line was handed to the client after the fault had fully passed. */
  afterFault: boolean;
  outcome: Promise<Outgoing>;
}

/** A raw Socket.IO client in the room: what the servers put on the wire, event by event. */
export interface WireListener {
  socket: TestClient;
  /** Every room message received as `message:new` (or within `message:batch`), in arrival order. */
  messages: ChatMessage[];
  /** How many `sync:required` the server sent it. */
  syncs: number;
}

/** Everything started, stopped whatever happens. */
const started: { clusters: RedisCluster[]; servers: RunningServer[]; clients: ChatClient[]; sockets: TestClient[] } = {
  clusters: [],
  servers: [],
  clients: [],
  sockets: [],
};

/** Up to a minute to start: these tests share two cores with whatever else runs, and tsx compiles the sources at each start. */
const startTimeoutMs = 60_000;

const waitConnected = async (client: ChatClient, name: string) => {
  if (!(await pollUntil(() => client.connection.status === "connected", 30_000, 50))) throw new Error(`${name} is ${client.connection.status}`);
};

/** Starts the cluster, the two servers, `writers` writers (alternating between the servers) in `room`, and the wire listener. */
export async function startClusterChat({ writers: count = 4, room = "busy" } = {}): Promise<ClusterChat> {
  const cluster = await startRedisCluster();
  started.clusters.push(cluster);
  const prefix = uniquePrefix();
  const env = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seeds };
  const servers = await Promise.all(
    ["one", "two"].map(async (name) => {
      const server = await startServer({ workers: 1, prefix, env, startTimeoutMs, stopTimeoutMs: 10_000, name: `server ${name}` });
      started.servers.push(server);
      return server;
    }),
  );
  const urlOf = (index: number) => servers[index % servers.length]?.url ?? "";
  const writers: Writer[] = Array.from({ length: count }, (_, index) => {
    const name = `w${index + 1}`;
    const client = createChatClient({ url: urlOf(index), name, rooms: [room], transports: ["websocket"] });
    started.clients.push(client);
    return { name, client, lines: [] };
  });
  await Promise.all(writers.map(({ client, name }) => waitConnected(client, name)));
  for (const { client, name } of writers) {
    const joined = await client.join(room);
    if (!joined.ok) throw new Error(`${name} could not join ${room}: ${joined.error.code} ${joined.error.message}`);
  }
  const socket = await connectClient(urlOf(1), "listener", { transports: ["websocket"] });
  started.sockets.push(socket);
  const wire: WireListener = { socket, messages: collect(socket, "message:new"), syncs: 0 };
  socket.on("sync:required", () => void wire.syncs++);
  const joined = await socket.timeout(10_000).emitWithAck("room:join", { room });
  if (!joined.ok) throw new Error(`the listener could not join ${room}: ${joined.error.code}`);
  return { cluster, servers, room, prefix, writers, wire };
}

/**
 * Called in a test: if it fails, prints what each server wrote on stderr, where the server
 * logs every request it failed with its cause (an `internal` answer among the counts names
 * nothing by itself).
 */
export function printServerErrorsOnFailure(chat: ClusterChat): void {
  onTestFailed(() => {
    for (const server of chat.servers) {
      const pid = server.child.pid ?? "?";
      console.error(`stderr of the server on port ${server.port} (pid ${pid}):\n${server.stderr.join("\n") || "(nothing)"}`);
    }
  });
}

export async function stopClusterChat(): Promise<void> {
  for (const socket of started.sockets.splice(0)) socket.close();
  for (const client of started.clients.splice(0)) client.close();
  await Promise.all(started.servers.splice(0).map((server) => server.stop()));
  await Promise.all(started.clusters.splice(0).map((cluster) => cluster.close()));
}

/**
 * The slot of the room's messages: the slot of the stream keys in the cluster whose names
 * carry the room's name (the server chooses the key names; the test finds them). Fails when
 * the cluster holds no such stream: the servers are not writing to this cluster.
 */
export async function slotOfRoom(chat: ClusterChat): Promise<number> {
  const slots = new Set<number>();
  for (const node of chat.cluster.nodes.filter((candidate) => candidate.server.running)) {
    const keys = await withRedis(node.url, async (redis) => {
      const found: string[] = [];
      // SCAN by hand: its answer is [next cursor, [keys]] whatever the client library's version.
      for (let cursor = "0", round = 0; round < 1_000; round++) {
        const reply = await redis.sendCommand(["SCAN", cursor, "MATCH", `*${chat.prefix}*`, "TYPE", "stream", "COUNT", "1000"]);
        const [next, batch] = Array.isArray(reply) ? reply : [];
        if (typeof next !== "string" || !Array.isArray(batch)) throw new Error(`SCAN answered ${JSON.stringify(reply)}`);
        found.push(...batch.map(String));
        if (next === "0") return found;
        cursor = next;
      }
      throw new Error("SCAN did not end");
    });
    for (const key of keys.filter((candidate) => candidate.includes(chat.room))) slots.add(chat.cluster.slotOf(key));
  }
  if (slots.size !== 1) throw new Error(`the room ${chat.room}'s streams are in ${slots.size} slots (${[...slots].join(", ")}), not one`);
  return [...slots][0] ?? -1;
}

/** The number a writer's line carries: `w2 17` is 17. */
export const lineNumber = (text: string): number => Number(text.split(" ")[1]);

/**
 * Each writer sends numbered lines (`<name> <n>`), one every `intervalMs` (not waiting for the
 * answers: the client core queues them in order); after round `faultAt` the fault starts, and
 * the writers go on meanwhile, until `roundsAfter` rounds after the fault has passed (at most
 * `maxRounds` in all). Resolves once every line is answered (sent or failed).
 */
export async function sendNumbered(
  chat: ClusterChat,
  {
    intervalMs,
    faultAt,
    roundsAfter,
    maxRounds = 1_000,
    fault,
  }: { intervalMs: number; faultAt: number; roundsAfter: number; maxRounds?: number; fault: () => Promise<void> },
): Promise<void> {
  let faultPassed = false;
  let faulted: Promise<void> | undefined;
  let faultError: unknown;
  let roundsLeft = roundsAfter;
  for (let round = 1; round <= maxRounds && roundsLeft > 0 && faultError === undefined; round++) {
    for (const writer of chat.writers) {
      const text = `${writer.name} ${round}`;
      writer.lines.push({ text, afterFault: faultPassed, outcome: writer.client.say(chat.room, text) });
    }
    if (faultPassed) roundsLeft--;
    if (round === faultAt) {
      faulted = fault().then(
        () => void (faultPassed = true),
        (error: unknown) => void (faultError = error),
      );
    }
    await sleep(intervalMs);
  }
  if (faulted === undefined) throw new Error(`the fault never started (fault at round ${faultAt})`);
  await within(faulted, 120_000, "the fault did not pass");
  if (faultError !== undefined) throw faultError;
  await within(Promise.all(chat.writers.flatMap((writer) => writer.lines.map((line) => line.outcome))), 120_000, "lines still unanswered");
}

/** What the servers answered, summed over both: `chat_acks_total` by result (`ok`, `unavailable`, ...). */
export async function acksByResult(chat: ClusterChat): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const server of chat.servers) {
    const text = await (await fetch(`${server.opsUrl}/metrics`)).text();
    for (const [, result = "", value = "0"] of text.matchAll(/^chat_acks_total\{result="([^"]+)"\} (\S+)$/gm)) {
      totals.set(result, (totals.get(result) ?? 0) + Number(value));
    }
  }
  return totals;
}

/** Every message of the room, read by a fresh connection from the start (`room:join` after `0-0`, page after page). */
export async function historyOf(chat: ClusterChat): Promise<ChatMessage[]> {
  const socket = await connectClient(chat.servers[0]?.url ?? "", "reader", { transports: ["websocket"] });
  try {
    const messages: ChatMessage[] = [];
    for (let after = "0-0", page = 0; page < 1_000; page++) {
      const answer = await socket.timeout(10_000).emitWithAck("room:join", { room: chat.room, after });
      if (!answer.ok) throw new Error(`history of ${chat.room}: ${answer.error.code} ${answer.error.message}`);
      const { messages: got, more }: RoomPage = answer.data;
      messages.push(...got);
      const last = got.at(-1);
      if (!more || last === undefined) return messages;
      after = last.id;
    }
    throw new Error("the history did not end within 1000 pages");
  } finally {
    socket.close();
  }
}

/** What the checks compare of a message. */
export type Shown = Pick<ChatMessage, "id" | "from" | "text">;

/** A message as the checks compare it. */
export const shown = (message: Shown): string => `${message.id} ${message.from}: ${message.text}`;

export interface Counts {
  sent: number;
  acked: number;
  failed: number;
  /** Answers the servers gave, by result, summed over both: `unavailable` ones were retried by the client. */
  answers: Record<string, number>;
  /** Lines handed to the client after the fault had passed. */
  sentAfterFault: number;
  /** Per member: the room's messages its client core shows, and how many acknowledged ones it lacks. */
  delivered: Record<string, number>;
  missing: Record<string, number>;
  /** Messages the wire listener received as events, those it received more than once, and its `sync:required`. */
  wireDelivered: number;
  wireDuplicates: number;
  wireSyncs: number;
  history: number;
}

/**
 * Waits (bounded) until every member's client shows every acknowledged line, then counts.
 * `expected` is every acknowledged line, in id order.
 */
export async function countEverything(chat: ClusterChat): Promise<{ counts: Counts; expected: Shown[]; history: ChatMessage[] }> {
  const settled = await Promise.all(chat.writers.map(async (writer) => ({ writer, outcomes: await Promise.all(writer.lines.map((line) => line.outcome)) })));
  const expected: Shown[] = [];
  let failed = 0;
  for (const { writer, outcomes } of settled) {
    for (const { status, id, text } of outcomes) {
      if (status === "sent" && id !== undefined) expected.push({ id, from: writer.name, text });
      else failed++;
    }
  }
  expected.sort((a, b) => compareMessageIds(a.id, b.id));
  const ids = new Set(expected.map((message) => message.id));
  const lacking = (writer: Writer) => expected.filter((message) => !writer.client.messagesOf(chat.room).some((seen) => seen.id === message.id)).length;
  await pollUntil(() => chat.writers.every((writer) => lacking(writer) === 0), 30_000, 100);
  const wireIds = chat.wire.messages.filter((message) => message.room === chat.room).map((message) => message.id);
  const history = await historyOf(chat);
  const counts: Counts = {
    sent: chat.writers.reduce((sum, writer) => sum + writer.lines.length, 0),
    acked: expected.length,
    failed,
    answers: Object.fromEntries([...(await acksByResult(chat))].filter(([, count]) => count > 0)),
    sentAfterFault: chat.writers.reduce((sum, writer) => sum + writer.lines.filter((line) => line.afterFault).length, 0),
    delivered: Object.fromEntries(chat.writers.map((writer) => [writer.name, writer.client.messagesOf(chat.room).filter((message) => ids.has(message.id)).length])),
    missing: Object.fromEntries(chat.writers.map((writer) => [writer.name, lacking(writer)])),
    wireDelivered: wireIds.length,
    wireDuplicates: wireIds.length - new Set(wireIds).size,
    wireSyncs: chat.wire.syncs,
    history: history.length,
  };
  return { counts, expected, history };
}

/**
 * The promise of the fault tests, checked: every line acknowledged (retried as long as it took,
 * none failed), each stored once, in each writer's order; every member's client shows exactly
 * the acknowledged lines in id order, and so does the history; nothing came twice off the wire,
 * nor out of order, nor unacknowledged, and without a `sync:required` nothing is missing there.
 */
export function expectEveryLineOnce(chat: ClusterChat, { counts, expected, history }: Awaited<ReturnType<typeof countEverything>>): void {
  expect(counts.failed, "lines that failed").toBe(0);
  expect(counts.acked).toBe(counts.sent);
  expect(new Set(expected.map((message) => message.id)).size, "two lines acknowledged with one id").toBe(expected.length);
  for (const writer of chat.writers) {
    const own = expected.filter((message) => message.from === writer.name).map((message) => lineNumber(message.text));
    expect(own, `${writer.name}'s lines in id order`).toEqual(own.toSorted((a, b) => a - b));
  }
  const want = expected.map(shown);
  for (const writer of chat.writers) expect(writer.client.messagesOf(chat.room).map(shown), `what ${writer.name} shows`).toEqual(want);
  expect(history.map(shown), "the room's history").toEqual(want);
  const wire = chat.wire.messages.filter((message) => message.room === chat.room);
  expect(counts.wireDuplicates, "messages the listener received twice").toBe(0);
  const wireIds = wire.map((message) => message.id);
  expect(wireIds, "the listener's messages in id order").toEqual(wireIds.toSorted(compareMessageIds));
  const acked = new Set(want);
  expect(wire.map(shown).filter((message) => !acked.has(message)), "messages on the wire never acknowledged").toEqual([]);
  if (counts.wireSyncs === 0) expect(wire.map(shown), "what the listener received (no sync:required)").toEqual(want);
}
