import { ConnectRefusal } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.ts";
import {
  childPids,
  clusterWorkerId,
  connectClient,
  quickPresenceEnv,
  sleep,
  uniquePrefix,
  type RunningServer,
  type TestClient,
} from "@chat/test-kit";
import { httpGet, parseMetrics, settle } from "./support/ops.ts";
import { ok } from "./support/requests.ts";
import { startServerPatiently, unique } from "./support/topology.ts";
import { tryConnect, type ConnectOutcome } from "./support/wire.ts";

/**
 * MAX_CONNECTIONS_PER_USER=3 over a cluster of two workers in token mode, and what refused
 * handshakes leave behind: log lines (a few, then a summary) and metrics by reason. Presence
 * expires in seconds (`quickPresenceEnv`), for the connections of a worker that dies.
 */

const secret = "user-connections-secret-0123456789abcdef";
const otherSecret = "not-this-servers-secret-0123456789abcdef";
const max = 3;

const refusalOf = (outcome: ConnectOutcome) => {
  if (outcome.connected) throw new Error("expected the connection to be refused, but it connected");
  return ConnectRefusal.parse(outcome.data);
};

describe(`MAX_CONNECTIONS_PER_USER=${max} over two workers`, () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  const tokenOf = (name: string) => mintToken(secret, name, 600);
  const connect = async (name: string) => {
    const client = await connectClient(server.url, name, { auth: { token: tokenOf(name) }, transports: ["websocket"] });
    clients.push(client);
    return client;
  };
  const attempt = (name: string, key = secret) =>
    tryConnect(server.url, { token: mintToken(key, name, 600) }, { transports: ["websocket"] });
  const metrics = async () => parseMetrics((await httpGet(`${server.opsUrl}/metrics`)).body);
  const handshakesRefused = (samples: Map<string, number>, reason: string) =>
    samples.get(`chat_handshakes_refused_total{reason="${reason}"}`) ?? 0;

  beforeAll(async () => {
    server = await startServerPatiently({
      workers: 2,
      prefix: uniquePrefix(),
      env: { ...quickPresenceEnv, AUTH_MODE: "token", AUTH_SECRET: secret, MAX_CONNECTIONS_PER_USER: String(max) },
    });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  it("the fourth connection of one token is refused with a reason, wherever it lands; others still connect", async () => {
    const name = unique("ann");
    const held = [await connect(name), await connect(name), await connect(name)];
    const workers = new Set(await Promise.all(held.map((client) => server.workerOf(client.id ?? ""))));
    expect(workers.size).toBe(2);

    for (let i = 0; i < 4; i++) {
      const refusal = refusalOf(await attempt(name));
      expect(refusal).toEqual({
        code: "unavailable",
        message: `user ${name} already holds the most connections allowed to one user (${max}); close one and try again`,
      });
    }
    // The held connections are unaffected, and another user connects.
    for (const client of held) await ok(client, "room:list");
    await ok(await connect(unique("bob")), "room:list");

    // One leaves: its place is free again, for one connection (once its departure reaches Redis).
    held[0]?.close();
    const again = await settle(
      () => connect(name).then(() => true, () => false),
      (connected) => connected,
      10_000,
    );
    expect(again).toBe(true);
    expect(refusalOf(await attempt(name)).code).toBe("unavailable");

    // The four above and the last one, and any made while the departure was on its way.
    const counted = await settle(metrics, (samples) => handshakesRefused(samples, "user_connections") >= 5);
    expect(handshakesRefused(counted, "user_connections")).toBeGreaterThanOrEqual(5);
    expect(server.lines.some((line) => / refused handshake from \S+: user_connections: user \S+ already holds/.test(line))).toBe(true);
  });

  it("twenty handshakes of one user at once: exactly three get in", async () => {
    const name = unique("storm");
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        connectClient(server.url, name, { auth: { token: tokenOf(name) }, transports: ["websocket"] }).then(
          (client) => {
            clients.push(client);
            return true;
          },
          () => false,
        ),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(max);
  });

  it("a hundred handshakes with a bad token: refused, counted by reason, and logged in a few lines and a summary", async () => {
    const before = handshakesRefused(await metrics(), "bad_signature");
    const linesBefore = server.lines.length;
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => attempt(unique("mallory"), otherSecret)));
    for (const outcome of outcomes) expect(refusalOf(outcome).code).toBe("unauthorized");

    const after = await settle(metrics, (samples) => handshakesRefused(samples, "bad_signature") - before >= 100);
    expect(handshakesRefused(after, "bad_signature") - before).toBe(100);
    await server.waitForLine(/^worker: \d+, \d+ handshakes refused from \S+ for bad_signature in the last 10 s \(\d+ told above\)$/, 30_000);
    const told = server.lines
      .slice(linesBefore)
      .filter((line) => / refused handshake from \S+: bad_signature: bad token signature/.test(line));
    expect(told.length).toBeGreaterThanOrEqual(1);
    // At most a screenful a worker, not a line a handshake.
    expect(told.length).toBeLessThanOrEqual(2 * 30);
  }, 60_000);

  it("connections of a worker that dies leave the count within the presence expiry", async () => {
    const name = unique("cat");
    const held = [await connect(name), await connect(name), await connect(name)];
    const workers = await Promise.all(held.map((client) => server.workerOf(client.id ?? "")));
    const victim = workers[0] as number;
    const lost = workers.filter((worker) => worker === victim).length;
    expect(refusalOf(await attempt(name)).code).toBe("unavailable");

    const victimPid = childPids(server.child.pid ?? -1).find((child) => clusterWorkerId(child) === victim);
    if (victimPid === undefined) throw new Error(`no process for worker ${victim}`);
    process.kill(victimPid, "SIGKILL");

    // No one said goodbye for them: their places come back when their sessions expire (PRESENCE_TTL_MS).
    const replaced: TestClient[] = [];
    const deadline = Date.now() + 45_000;
    while (replaced.length < lost && Date.now() < deadline) {
      try {
        replaced.push(await connect(name));
      } catch {
        await sleep(500);
      }
    }
    expect(replaced).toHaveLength(lost);
    expect(refusalOf(await attempt(name)).code).toBe("unavailable");
  }, 90_000);
});
