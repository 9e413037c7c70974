import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  connectClient,
  type RedisServer,
  type RunningServer,
  startRedisServer,
  type TestClient,
  uniquePrefix,
} from "@chat/test-kit";
import { createNetworkNamespace, type NetworkNamespace } from "./support/network-namespace.ts";
import { httpGet, httpGetIn, parseMetrics, settle } from "./support/ops.ts";
import { startServerPatiently } from "./support/topology.ts";
import { untyped } from "./support/wire.ts";

describe("operations endpoints of a cluster of two workers", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    // No web app in this folder: every path but the endpoints' and Socket.IO's is 404 (web-app.test.ts serves one).
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { WEB_ROOT: "/nonexistent/chat-web-app" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  });

  it("GET /healthz: 200 ok", async () => {
    const answer = await httpGet(`${server.url}/healthz`);
    expect(answer).toMatchObject({ status: 200, body: "ok" });
  });

  it("GET /readyz: 200 with Redis and both workers up, the details on the operations port only", async () => {
    const answer = await httpGet(`${server.opsUrl}/readyz`);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      status: "ready",
      checks: { redis: { publisher: true, subscriber: true, ping: true }, workers: { ready: 2, expected: 2 } },
    });
    const plain = await httpGet(`${server.url}/readyz`);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toEqual({ status: "ready" });
  });

  it("the operations port listens on loopback, and the public port serves no /metrics", async () => {
    expect(new URL(server.opsUrl).hostname).toBe("127.0.0.1");
    expect(new URL(server.opsUrl).port).not.toBe(String(server.port));
    const publicMetrics = await httpGet(`${server.url}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect(publicMetrics.body).not.toMatch(/chat_/);
    expect((await httpGet(`${server.opsUrl}/healthz`)).status).toBe(200);
    expect((await httpGet(`${server.opsUrl}/metrics`)).status).toBe(200);
    expect((await httpGet(`${server.opsUrl}/socket.io/?EIO=4&transport=polling`)).status).toBe(404);
  });

  it("any other path outside Socket.IO's: 404, and an endpoint with another method: 405", async () => {
    expect((await httpGet(`${server.url}/`)).status).toBe(404);
    expect((await httpGet(`${server.url}/nope?x=1`)).status).toBe(404);
    expect((await httpGet(`${server.url}/healthz/more`)).status).toBe(404);
    expect((await httpGet(`${server.url}/healthz`, "POST")).status).toBe(405);
    // Socket.IO's own path is still Socket.IO's: its error, not ours.
    const engine = await httpGet(`${server.url}/socket.io/?EIO=4&transport=polling&sid=unknown`);
    expect(engine.status).toBe(400);
    expect(engine.body).toMatch(/Session ID unknown/);
  });

  it("GET /metrics: the sum over both workers of connections, events, deliveries, acks and errors", async () => {
    // Clients until both workers hold some, and neither holds them all.
    const byWorker = new Map<number, TestClient[]>();
    for (let i = 0; i < 12 && (byWorker.size < 2 || clients.length < 4); i++) {
      const client = await connectClient(server.url, `user${i}`);
      clients.push(client);
      const worker = await server.workerOf(client.id ?? "");
      byWorker.set(worker, [...(byWorker.get(worker) ?? []), client]);
    }
    expect(byWorker.size).toBe(2);
    const [[, onFirst], [, onSecond]] = [...byWorker] as [[number, TestClient[]], [number, TestClient[]]];
    const [first, second] = [onFirst[0] as TestClient, onSecond[0] as TestClient];
    const n = clients.length;

    // 3 lines through one worker, 2 through the other, each to the n - 1 others in the lobby.
    for (const [client, count] of [[first, 3], [second, 2]] as const) {
      for (let i = 0; i < count; i++) {
        expect(await client.emitWithAck("message:send", { room: "lobby", text: `line ${i}` })).toMatchObject({ ok: true });
      }
    }
    // One refusal through each worker, and two failures that have no ack to carry them.
    expect(await first.emitWithAck("message:send", { room: "elsewhere", text: "no" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await untyped(second).emitWithAck("message:send", { room: 5 })).toMatchObject({
      ok: false,
      error: { code: "invalid_payload" },
    });
    untyped(first).emit("message:send", { room: "lobby", text: "no ack" });
    untyped(second).emit("no:such-event", {});

    const expected = {
      chat_connections: n,
      'chat_messages_in_total{event="message:send"}': 3 + 2 + 2 + 1,
      'chat_messages_out_total{event="message:new"}': 5 * (n - 1),
      'chat_acks_total{result="ok"}': 5,
      'chat_acks_total{result="forbidden"}': 1,
      'chat_acks_total{result="invalid_payload"}': 1,
      'chat_errors_total{code="forbidden"}': 1,
      'chat_errors_total{code="invalid_payload"}': 1,
      'chat_errors_total{code="no_ack"}': 1,
      'chat_errors_total{code="unknown_event"}': 1,
      'chat_redis_up{role="publisher"}': 1,
      'chat_redis_up{role="subscriber"}': 1,
      chat_workers_ready: 2,
      chat_workers_expected: 2,
    };
    const read = async () => {
      const answer = await httpGet(`${server.opsUrl}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      return answer.body;
    };
    const pick = (text: string) => {
      const samples = parseMetrics(text);
      return Object.fromEntries(Object.keys(expected).map((key) => [key, samples.get(key)]));
    };
    // Deliveries and the no-ack failures are not acknowledged: wait for them to be counted.
    const text = await settle(read, (body) => JSON.stringify(pick(body)) === JSON.stringify(expected));
    expect(pick(text)).toEqual(expected);
    expect(text).toMatch(/^# HELP chat_connections .+$/m);
    expect(text).toMatch(/^# TYPE chat_messages_in_total counter$/m);
    expect(parseMetrics(text).get("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);

    // A client leaving is counted out.
    second.close();
    const after = await settle(read, (body) => parseMetrics(body).get("chat_connections") === n - 1);
    expect(parseMetrics(after).get("chat_connections")).toBe(n - 1);
  });

  it("GET /readyz: 503 while a worker is missing, 200 once its replacement is up", async () => {
    const workers = childPids(server.child.pid ?? -1);
    expect(workers).toHaveLength(2);
    process.kill(workers[0] as number, "SIGKILL");
    const missing = await settle(
      () => httpGet(`${server.opsUrl}/readyz`),
      (answer) => answer.status === 503,
    );
    expect(missing.status).toBe(503);
    expect(JSON.parse(missing.body)).toMatchObject({ status: "unavailable", reason: "1 of 2 workers ready" });
    // The public port says the same, without the reason.
    const plain = await settle(
      () => httpGet(`${server.url}/readyz`),
      (answer) => answer.status === 503,
    );
    expect(plain.status).toBe(503);
    expect(JSON.parse(plain.body)).toEqual({ status: "unavailable" });
    const back = await settle(
      () => httpGet(`${server.opsUrl}/readyz`),
      (answer) => answer.status === 200,
      60_000,
    );
    expect(back.status).toBe(200);
    expect((await settle(() => httpGet(`${server.url}/readyz`), (answer) => answer.status === 200, 20_000)).status).toBe(200);
  }, 90_000);
});

describe("/readyz follows Redis", () => {
  let redis: RedisServer;
  let server: RunningServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { REDIS_URL: redis.url } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await redis?.dispose();
  });

  it("503 with a reason while Redis is down, 200 again once it is back", async () => {
    const readyz = () => httpGet(`${server.opsUrl}/readyz`);
    expect((await readyz()).status).toBe(200);

    await redis.kill();
    const down = await settle(readyz, (answer) => answer.status === 503);
    expect(down.status).toBe(503);
    const body = JSON.parse(down.body) as { status: string; reason: string; checks: { redis: unknown } };
    expect(body.status).toBe("unavailable");
    expect(body.reason).toMatch(/Redis (publisher|subscriber) is not ready/);
    expect(body.checks.redis).not.toMatchObject({ publisher: true, subscriber: true });
    // The public port's plain answer says the same to a load balancer.
    const plain = await settle(() => httpGet(`${server.url}/readyz`), (answer) => answer.status === 503);
    expect({ status: plain.status, body: JSON.parse(plain.body) as unknown }).toEqual({ status: 503, body: { status: "unavailable" } });
    // The process itself is alive, and the metrics say what is down.
    expect((await httpGet(`${server.url}/healthz`)).status).toBe(200);
    const metrics = parseMetrics((await httpGet(`${server.opsUrl}/metrics`)).body);
    expect(metrics.get('chat_redis_up{role="publisher"}')).toBe(0);

    await redis.start();
    const back = await settle(readyz, (answer) => answer.status === 200, 20_000);
    expect(back.status).toBe(200);
    expect(parseMetrics((await httpGet(`${server.opsUrl}/metrics`)).body).get('chat_redis_up{role="subscriber"}')).toBe(1);
    expect((await httpGet(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe("operations endpoints of the single process without Redis", () => {
  let ns: NetworkNamespace;
  let server: RunningServer;

  beforeAll(async () => {
    ns = createNetworkNamespace();
    server = await startServerPatiently({
      workers: 2,
      prefix: uniquePrefix(),
      wrapper: ns.wrapper,
      env: { REDIS_URL: undefined, WEB_ROOT: "/nonexistent/chat-web-app" },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop("SIGKILL");
    ns?.dispose();
  });

  it("healthy, ready once listening, its own metrics, 404 elsewhere", async () => {
    expect(server.lines.join("\n")).toMatch(/NOT SCALED OUT/);
    expect(await httpGetIn(ns.wrapper, `${server.url}/healthz`)).toMatchObject({ status: 200, body: "ok" });
    const ready = await httpGetIn(ns.wrapper, `${server.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: "ready", checks: { listening: true } });
    const plain = await httpGetIn(ns.wrapper, `${server.url}/readyz`);
    expect({ status: plain.status, body: JSON.parse(plain.body) as unknown }).toEqual({ status: 200, body: { status: "ready" } });
    expect((await httpGetIn(ns.wrapper, `${server.url}/metrics`)).status).toBe(404);
    const metrics = await httpGetIn(ns.wrapper, `${server.opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    const samples = parseMetrics(metrics.body);
    expect(samples.get("chat_connections")).toBe(0);
    expect(samples.get('chat_acks_total{result="ok"}')).toBe(0);
    expect(samples.has("nodejs_eventloop_lag_seconds")).toBe(true);
    expect(samples.has('chat_redis_up{role="publisher"}')).toBe(false);
    expect((await httpGetIn(ns.wrapper, `${server.url}/nope`)).status).toBe(404);
  });
});
