import { compareMessageIds, type Ack, type ChatMessage, type MessageSent } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectClient,
  type RedisProxy,
  type RunningServer,
  sleep,
  startRedisProxy,
  startServer,
  type TestClient,
} from "@chat/test-kit";
import { httpGet, parseMetrics, settle } from "./support/ops.ts";
import { record, type Recorder } from "./support/recorder.ts";
import { ok } from "./support/requests.ts";
import { unique } from "./support/topology.ts";

/**
 * When posts to one room queue up on a worker, they are stored in one script call and
 * delivered in one `message:batch`. What members see must not change: every message once,
 * in id order, each sender answered with its own id.
 */

/** Limits far above any burst here: these tests are about batching, not about limits. */
const unlimited = {
  SEND_RATE_PER_CONNECTION: "100000",
  SEND_RATE_PER_USER: "100000",
  EVENT_RATE_PER_CONNECTION: "100000",
  EVENT_RATE_PER_USER: "100000",
};

type Sent = { from: string; text: string; clientId: string; ack: Ack<MessageSent> };

/** Emits every send at once, none waiting for another, and resolves with each one's ack, in the order sent. */
async function fire(client: TestClient, from: string, room: string, sends: { text: string; clientId: string }[]): Promise<Sent[]> {
  const acks = sends.map(({ text, clientId }) =>
    client.timeout(60_000).emitWithAck("message:send", { room, text, clientId }),
  );
  return (await Promise.all(acks)).map((ack, i) => ({ from, ...(sends[i] as { text: string; clientId: string }), ack }));
}

const idOf = (sent: Sent): string => {
  if (!sent.ack.ok) throw new Error(`"${sent.text}" was refused: ${JSON.stringify(sent.ack.error)}`);
  return sent.ack.data.id;
};

const inOrder = (ids: string[]) => ids.every((id, i) => i === 0 || compareMessageIds(ids[i - 1] ?? "", id) < 0);

describe("a burst to one room from several senders on two workers", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  /** Two members of the room on each worker that only read, and two that send. */
  const readers: { client: TestClient; seen: Recorder }[] = [];
  const senders: { client: TestClient; name: string; seen: Recorder }[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2, env: unlimited });
    const byWorker = new Map<number, TestClient[]>();
    for (let i = 0; i < 40 && [...byWorker.values()].filter((placed) => placed.length >= 4).length < 2; i++) {
      const client = await connectClient(server.url, `member${i}`, { transports: ["websocket"] });
      clients.push(client);
      const worker = await server.workerOf(client.id ?? "");
      byWorker.set(worker, [...(byWorker.get(worker) ?? []), client]);
    }
    const placed = [...byWorker.values()].filter((onWorker) => onWorker.length >= 4);
    if (placed.length < 2) throw new Error("could not place four members on each of two workers");
    for (const onWorker of placed) {
      const [r1, r2, s1, s2] = onWorker as [TestClient, TestClient, TestClient, TestClient];
      readers.push({ client: r1, seen: record(r1) }, { client: r2, seen: record(r2) });
      for (const sender of [s1, s2]) {
        senders.push({ client: sender, name: `member${clients.indexOf(sender)}`, seen: record(sender) });
      }
    }
  }, 180_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 60_000);

  /** Joins every reader and sender to a fresh room. */
  const freshRoom = async (stem: string): Promise<string> => {
    const room = unique(stem);
    for (const { client } of [...readers, ...senders]) await ok(client, "room:join", { room });
    return room;
  };

  /** The room's messages a recorder holds, in arrival order (a batch's in its order). */
  const inRoom = (seen: Recorder, room: string): ChatMessage[] =>
    seen.of("message:new").filter((message) => message.room === room);

  /** Waits until `seen` holds every id of `ids`. */
  const until = async (seen: Recorder, room: string, ids: string[]) => {
    for (const id of ids) await seen.next("message:new", (message) => message.room === room && message.id === id, 60_000);
  };

  it("reaches every member complete, each message once and in id order, with each sender's acks carrying the delivered ids", async () => {
    const room = await freshRoom("burst");
    // 300 sends in all, 75 from each sender, none waiting for an answer.
    const sent = (
      await Promise.all(
        senders.map(({ client, name }) =>
          fire(
            client,
            name,
            room,
            Array.from({ length: 75 }, (_, i) => ({ text: `${name} line ${i}`, clientId: unique(`${name}-${i}`) })),
          ),
        ),
      )
    ).flat();
    const ids = sent.map(idOf);

    // Every send is stored once, under an id of its own; each sender's in the order it sent them.
    expect(new Set(ids).size).toBe(300);
    for (const { name } of senders) expect(inOrder(sent.filter((line) => line.from === name).map(idOf))).toBe(true);

    const expected = sent
      .map((line) => ({ id: idOf(line), room, from: line.from, text: line.text, sentAt: Number(idOf(line).split("-")[0]), clientId: line.clientId }))
      .sort((a, b) => compareMessageIds(a.id, b.id));
    for (const { seen } of readers) {
      await until(seen, room, ids);
      expect(inRoom(seen, room)).toEqual(expected);
      // The burst was large enough that messages queued up and went out together.
      expect(seen.batches.filter((batch) => batch[0]?.room === room).length).toBeGreaterThan(0);
      expect(seen.malformed).toEqual([]);
    }

    // A sender gets every other sender's lines, once and in order. Its own come back only
    // inside a batch (one frame for the whole room), never on their own.
    for (const { name, seen } of senders) {
      const others = expected.filter((message) => message.from !== name);
      await until(seen, room, others.map((message) => message.id));
      const received = inRoom(seen, room);
      expect(inOrder(received.map((message) => message.id))).toBe(true);
      expect(received.filter((message) => message.from !== name)).toEqual(others);
      const batched = new Set(seen.batches.flat().map((message) => message.id));
      expect(received.filter((message) => message.from === name && !batched.has(message.id))).toEqual([]);
    }

    // The metrics count lines delivered, one per member that got one, alone or in a batch.
    const delivered = [...readers, ...senders].reduce((sum, { seen }) => sum + inRoom(seen, room).length, 0);
    const counted = (body: string) => {
      const samples = parseMetrics(body);
      return ["message:new", "message:batch"].map((event) => samples.get(`chat_messages_out_total{event="${event}"}`) ?? 0);
    };
    const metrics = await settle(
      async () => (await httpGet(`${server.opsUrl}/metrics`)).body,
      (body) => counted(body).reduce((a, b) => a + b) === delivered,
    );
    const [alone = 0, inBatches = 0] = counted(metrics);
    expect(alone + inBatches).toBe(delivered);
    expect(inBatches).toBeGreaterThan(0);
  }, 180_000);

  it("stores and delivers a clientId repeated within a burst once, and answers both sends with its id", async () => {
    const room = await freshRoom("repeat");
    const [first] = senders;
    if (first === undefined) throw new Error("no sender");
    const repeated = unique("again");
    // 60 sends at once; the 31st repeats the 30th (its clientId and its text), as a retry would.
    const sends = Array.from({ length: 60 }, (_, i) => ({ text: `line ${i}`, clientId: i === 30 ? repeated : unique(`id-${i}`) }));
    sends[29] = { text: "the first time", clientId: repeated };
    sends[30] = { text: "the first time", clientId: repeated };
    const sent = await fire(first.client, first.name, room, sends);
    const ids = sent.map(idOf);
    expect(ids[30]).toBe(ids[29]);
    expect(new Set(ids).size).toBe(59);

    const unique59 = sent.filter((_, i) => i !== 30);
    for (const { seen } of readers) {
      await until(seen, room, unique59.map(idOf));
      expect(inRoom(seen, room).map(({ id, text }) => ({ id, text }))).toEqual(unique59.map((line) => ({ id: idOf(line), text: line.text })));
      expect(seen.batches.filter((batch) => batch[0]?.room === room).length).toBeGreaterThan(0);
    }
    const history = await ok(first.client, "history:fetch", { room, limit: 100 });
    expect(history.messages.filter((message) => message.clientId === repeated).map(({ id, text }) => ({ id, text }))).toEqual([
      { id: ids[29], text: "the first time" },
    ]);
    expect(history.messages).toHaveLength(59);
  }, 120_000);
});

describe("Redis lost while posts to a room wait behind one in flight", () => {
  let gate: RedisProxy;
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    gate = await startRedisProxy();
    server = await startServer({ workers: 1, env: { ...unlimited, REDIS_URL: gate.url } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
    await gate?.close();
  }, 60_000);

  it("answers every waiting sender `unavailable`, and stores and delivers none of them", async () => {
    const room = unique("lost");
    const reader = await connectClient(server.url, "reader", { transports: ["websocket"] });
    const sending = await Promise.all(
      ["S1", "S2", "S3"].map((name) => connectClient(server.url, name, { transports: ["websocket"] })),
    );
    clients.push(reader, ...sending);
    const seen = record(reader);
    for (const client of [reader, ...sending]) await ok(client, "room:join", { room });

    // The first post to the room gets no answer from Redis: the ones after it wait for it.
    gate.holdFrom(`${server.prefix}:room:{${room}}:log`);
    const rateCalls = () => gate.passed(`${server.prefix}:rate:`);
    const before = rateCalls();
    const burst = Promise.all(
      sending.map((client, s) =>
        fire(client, `S${s + 1}`, room, Array.from({ length: 100 }, (_, i) => ({ text: `S${s + 1} ${i}`, clientId: unique(`lost-${s}-${i}`) }))),
      ),
    );
    await gate.held;
    // Each send takes a token from its user's bucket in Redis on its way to the store: once
    // all 300 have, the ones behind the held post are waiting for it.
    for (let waited = 0; waited < 10_000 && rateCalls() - before < 300; waited += 50) await sleep(50);
    await sleep(300);
    gate.cut();

    const sent = (await burst).flat();
    expect(sent.filter((line) => line.ack.ok)).toEqual([]);
    expect(new Set(sent.map((line) => (line.ack.ok ? "ok" : line.ack.error.code)))).toEqual(new Set(["unavailable"]));

    // Redis is back (through the gate, holding nothing now): none of them was stored or delivered.
    let history: ChatMessage[] | undefined;
    for (let waited = 0; waited < 30_000 && history === undefined; waited += 200) {
      const page = await reader.timeout(5_000).emitWithAck("history:fetch", { room }).catch(() => undefined);
      if (page?.ok) history = page.data.messages;
      else await sleep(200);
    }
    expect(history).toEqual([]);
    const after = await ok(sending[0] as TestClient, "message:send", { room, text: "after the outage" });
    const arrived = await seen.next("message:new", (message) => message.room === room);
    expect(arrived.data).toMatchObject({ id: after.id, text: "after the outage" });
  }, 120_000);
});
