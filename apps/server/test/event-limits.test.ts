import { AckFailure, type Ack } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOnDifferentWorkers, connectClient, sleep, uniquePrefix, type RunningServer, type TestClient } from "@chat/test-kit";
import { httpGet, parseMetrics, settle } from "./support/ops.ts";
import { ok } from "./support/requests.ts";
import { startServerPatiently, unique } from "./support/topology.ts";
import { untyped } from "./support/wire.ts";

/**
 * The limits on every event, not only sends: a connection (EVENT_RATE_PER_CONNECTION=10,
 * buckets of 30) and a user over all their connections (EVENT_RATE_PER_USER=15, buckets of
 * 45), with and without ack callbacks, and what a flood costs in log lines and shows in the
 * metrics. Counts are checked against what the elapsed time allows, never against a speed.
 */

const perConnection = 10;
const perUser = 15;
const burstSeconds = 3;
const flood = 2000;

/** The most a bucket refilling at `perSecond` lets through in `elapsedMs`. */
const mostAllowed = (perSecond: number, elapsedMs: number) => perSecond * burstSeconds + Math.ceil((elapsedMs / 1000) * perSecond);

const escape = (text: string) => text.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

/** `count` `room:list` requests sent at once; their acks, sorted into accepted and refused. */
async function listFlood(client: TestClient, count: number) {
  const started = Date.now();
  const acks = await Promise.all(
    Array.from({ length: count }, () => untyped(client).timeout(60_000).emitWithAck("room:list") as Promise<Ack<unknown>>),
  );
  const elapsedMs = Date.now() - started;
  const refused = acks.filter((ack) => !ack.ok).map((ack) => AckFailure.parse(ack).error);
  return { accepted: acks.filter((ack) => ack.ok).length, refused, elapsedMs };
}

describe("event limits (EVENT_RATE_PER_CONNECTION=10, EVENT_RATE_PER_USER=15)", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  const connect = async (name: string) => {
    const client = await connectClient(server.url, name, { transports: ["websocket"] });
    clients.push(client);
    return client;
  };
  const metrics = async () => parseMetrics((await httpGet(`${server.opsUrl}/metrics`)).body);

  beforeAll(async () => {
    server = await startServerPatiently({
      workers: 2,
      prefix: uniquePrefix(),
      env: { EVENT_RATE_PER_CONNECTION: String(perConnection), EVENT_RATE_PER_USER: String(perUser) },
    });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  // First: the refusal log's window starts with its first refusal, so that this flood has one to itself.
  it(`${flood} room:list without acks: a few log lines and one summary line for the connection, every one counted`, async () => {
    const before = await metrics();
    const counted = (samples: Map<string, number>, reason: string) =>
      (samples.get(`chat_events_refused_total{reason="${reason}"}`) ?? 0) -
      (before.get(`chat_events_refused_total{reason="${reason}"}`) ?? 0);
    const name = unique("silent");
    const client = await connect(name);
    const id = client.id ?? "";
    const worker = await server.workerOf(id);
    for (let i = 0; i < flood; i++) untyped(client).emit("room:list");

    // Every event is refused one way or the other: over the limit, or for want of an ack.
    const after = await settle(metrics, (samples) => counted(samples, "rate_limited") + counted(samples, "no_ack") >= flood);
    expect(counted(after, "rate_limited") + counted(after, "no_ack")).toBe(flood);
    expect(counted(after, "no_ack")).toBeGreaterThanOrEqual(1);
    expect(counted(after, "no_ack")).toBeLessThanOrEqual(mostAllowed(perConnection, 20_000));

    // The window of the connection's refusals closes after 10 s with a line that sums it up.
    const summary = await server.waitForLine(
      new RegExp(`^worker: ${worker}, (\\d+) events refused from user ${escape(name)} \\(id: ${escape(id)}\\) in the last 10 s \\(30 told above\\)$`),
      30_000,
    );
    expect(Number(/, (\d+) events refused/.exec(summary)?.[1])).toBe(flood);
    const aboutIt = server.lines.filter((line) => line.includes(`(id: ${id})`));
    expect(aboutIt.length).toBeLessThanOrEqual(31);
    expect(aboutIt.filter((line) => / dropped room:list from .*: no acknowledgement callback$/.test(line)).length).toBeGreaterThanOrEqual(1);
    expect(aboutIt.filter((line) => / refused room:list from .*: too many requests/.test(line)).length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it(`${flood} room:list with acks from one connection: the burst answered, the rest rate_limited with the wait; then it recovers`, async () => {
    const client = await connect(unique("flooder"));
    const { accepted, refused, elapsedMs } = await listFlood(client, flood);
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(mostAllowed(perConnection, elapsedMs));
    expect(accepted + refused.length).toBe(flood);
    for (const error of refused) {
      expect(error.code).toBe("rate_limited");
      expect(error.message).toMatch(/^too many requests: at most 10 a second on one connection; try again in \d+\.\d s$/);
    }
    // The connection was only held back: after the wait it is answered again.
    const wait = Number(/in (\d+\.\d) s$/.exec(refused.at(-1)?.message ?? "")?.[1] ?? "1") * 1000;
    await sleep(wait + 200);
    await ok(client, "room:list");
  });

  it("unknown events count against the limit too", async () => {
    const client = await connect(unique("unknown"));
    const started = Date.now();
    const acks = (await Promise.all(
      Array.from({ length: 200 }, () => untyped(client).timeout(30_000).emitWithAck("no:such-event")),
    )) as Ack<unknown>[];
    const elapsedMs = Date.now() - started;
    const codes = acks.map((ack) => (ack.ok ? "ok" : ack.error.code));
    const unknown = codes.filter((code) => code === "unknown_event").length;
    expect(unknown).toBeGreaterThanOrEqual(1);
    expect(unknown).toBeLessThanOrEqual(mostAllowed(perConnection, elapsedMs));
    expect(codes.filter((code) => code !== "unknown_event" && code !== "rate_limited")).toEqual([]);
  });

  it("one user's connections on two workers share the user's limit", async () => {
    const name = unique("twice");
    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), [name, name], {
      transports: ["websocket"],
    });
    clients.push(a, b, ...extra);
    extra.forEach((client) => client.close());
    // Each connection alone stays within its own bucket (30): together they pass the user's (45).
    const each = perConnection * burstSeconds;
    const started = Date.now();
    const [first, second] = await Promise.all([listFlood(a, each), listFlood(b, each)]);
    const elapsedMs = Date.now() - started;
    const accepted = first.accepted + second.accepted;
    expect(accepted).toBeLessThanOrEqual(mostAllowed(perUser, elapsedMs));
    const refused = [...first.refused, ...second.refused];
    expect(refused.length).toBeGreaterThanOrEqual(2 * each - mostAllowed(perUser, elapsedMs));
    for (const error of refused) {
      expect(error).toMatchObject({ code: "rate_limited" });
      expect(error.message).toMatch(/^too many requests: at most 15 a second for one user over all their connections; try again in \d+\.\d s$/);
    }
    // Another user is not held back by it.
    await ok(await connect(unique("other")), "room:list");
  });
});
