import { execFileSync } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  clientsOnDifferentWorkers,
  type CliProcess,
  freePort,
  type RedisServer,
  type RunningServer,
  spawnCli,
  spawnServer,
  startRedisServer,
  startServer,
  type TestClient,
  waitFor,
  within, sourceCommand } from "@chat/test-kit";
import { createNetworkNamespace, type NetworkNamespace } from "./support/network-namespace.ts";

describe("REDIS_URL set, but no Redis there", () => {
  it("nothing listening on the port: exit code 1, a message naming REDIS_URL, no fallback to one process", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const server = spawnServer({ env: { REDIS_URL: url, PORT: "0", WORKERS: "2" } });
    const exit = await within(server.exited, 15_000, "the server did not give up on an unreachable REDIS_URL").finally(
      () => void server.stop("SIGKILL"),
    );
    expect(exit).toEqual({ code: 1, signal: null });
    const output = server.lines.join("\n");
    expect(output).toContain(`chat-server: cannot reach Redis at ${url} (REDIS_URL)`);
    expect(output).toMatch(/ECONNREFUSED/);
    expect(output).not.toMatch(/listening|NOT SCALED OUT/);
  });

  it("REDIS_CLUSTER_NODES with no node listening: exit code 1, a message naming REDIS_CLUSTER_NODES and the seeds", async () => {
    const seeds = `redis://127.0.0.1:${await freePort()},redis://127.0.0.1:${await freePort()}`;
    const server = spawnServer({ env: { REDIS_CLUSTER_NODES: seeds, PORT: "0", WORKERS: "2" } });
    const exit = await within(server.exited, 15_000, "the server did not give up on unreachable REDIS_CLUSTER_NODES").finally(
      () => void server.stop("SIGKILL"),
    );
    expect(exit).toEqual({ code: 1, signal: null });
    const output = server.lines.join("\n");
    expect(output).toContain(`chat-server: cannot reach the Redis Cluster at ${seeds} (REDIS_CLUSTER_NODES)`);
    expect(output).not.toMatch(/listening|NOT SCALED OUT/);
  });

  describe("something accepts connections on the port but never answers", () => {
    let silent: Server;
    const accepted: Socket[] = [];
    let port: number;

    beforeAll(async () => {
      silent = createServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const address = silent.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
    });
    afterAll(async () => {
      accepted.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it("exit code 1 within a bounded time, with a message naming REDIS_URL", async () => {
      const url = `redis://127.0.0.1:${port}`;
      const server = spawnServer({ env: { REDIS_URL: url, PORT: "0", WORKERS: "2" } });
      try {
        // Start-up probes Redis for 2 s; 15 s only stops a hang.
        const exit = await within(server.exited, 15_000, `the server hung on a Redis at ${url} that never answers`);
        expect(exit).toEqual({ code: 1, signal: null });
        expect(server.lines.join("\n")).toContain(`chat-server: cannot reach Redis at ${url} (REDIS_URL)`);
      } finally {
        await server.stop("SIGKILL");
      }
      expect(accepted.length).toBeGreaterThan(0); // it did reach the silent peer
    });

    it("as the one seed of REDIS_CLUSTER_NODES: exit code 1 within a bounded time, with a message naming REDIS_CLUSTER_NODES", async () => {
      const seeds = `redis://127.0.0.1:${port}`;
      const server = spawnServer({ env: { REDIS_CLUSTER_NODES: seeds, PORT: "0", WORKERS: "2" } });
      try {
        const exit = await within(server.exited, 15_000, `the server hung on a cluster seed at ${seeds} that never answers`);
        expect(exit).toEqual({ code: 1, signal: null });
        expect(server.lines.join("\n")).toContain(`chat-server: cannot reach the Redis Cluster at ${seeds} (REDIS_CLUSTER_NODES)`);
      } finally {
        await server.stop("SIGKILL");
      }
    });
  });
});

describe("REDIS_URL unset and no Redis at 127.0.0.1:6379: one process with the in-memory adapter", () => {
  let ns: NetworkNamespace;
  let server: RunningServer;
  const clis: CliProcess[] = [];

  beforeAll(async () => {
    ns = createNetworkNamespace();
    server = await startServer({ workers: 2, wrapper: ns.wrapper, env: { REDIS_URL: undefined } });
  });
  afterAll(async () => {
    await Promise.all(clis.map((cli) => cli.stop()));
    await server?.stop("SIGKILL");
    ns?.dispose();
  });

  it("says it is NOT SCALED OUT, why, and how to enable scaling", () => {
    const line = server.lines.find((candidate) => /listening on port/.test(candidate)) ?? "";
    expect(line).toMatch(/NOT SCALED OUT/);
    expect(line).toMatch(/no Redis answered at redis:\/\/127\.0\.0\.1:6379/);
    expect(line).toMatch(/set REDIS_URL/);
    expect(line).not.toMatch(/with 2 workers/);
  });

  it("runs as a single process although WORKERS=2", () => {
    const pid = server.child.pid ?? -1;
    expect(childPids(pid)).toEqual([]);
    expect(ns.pids()).toEqual([pid]);
  });

  it("two command-line clients in the namespace chat through it", async () => {
    const alice = spawnCli(["alice", "--url", server.url], {}, [...ns.wrapper, ...sourceCommand]);
    const bob = spawnCli(["bob", "--url", server.url], {}, [...ns.wrapper, ...sourceCommand]);
    clis.push(alice, bob);
    const aliceId = /connected, id: (\S+)/.exec(await alice.waitForLine(/^connected, id: /))?.[1] ?? "";
    const bobId = /connected, id: (\S+)/.exec(await bob.waitForLine(/^connected, id: /))?.[1] ?? "";
    // Both on the one process, which logs as worker 1.
    expect(await server.workerOf(aliceId)).toBe(1);
    expect(await server.workerOf(bobId)).toBe(1);

    alice.send("hello bob");
    await bob.waitForLine(/^hello bob from alice$/);
    bob.send("hello alice");
    await alice.waitForLine(/^hello alice from bob$/);

    // End of input: each client exits 0 once every line it sent was acknowledged.
    alice.end();
    bob.end();
    expect(await within(alice.exited, 15_000, "alice did not exit")).toEqual({ code: 0, signal: null });
    expect(await within(bob.exited, 15_000, "bob did not exit")).toEqual({ code: 0, signal: null });
    expect([...alice.stdout, ...bob.stdout].join("\n")).not.toMatch(/error:/);
  });

  it("stops with exit code 0 on SIGTERM", async () => {
    const exit = await within(server.stop("SIGTERM"), 15_000, "the single process did not stop on SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

describe("REDIS_URL set to a Redis of its own: a cluster joined through that Redis", () => {
  let redis: RedisServer;
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServer({ workers: 2, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop("SIGKILL");
    await redis?.dispose();
  });

  it("starts a primary and two workers using that Redis", () => {
    expect(server.lines.join("\n")).toContain(`with 2 workers, Redis adapter at ${redis.url} (prefix ${server.prefix})`);
    expect(server.lines.join("\n")).not.toMatch(/NOT SCALED OUT/);
    expect(childPids(server.child.pid ?? -1)).toHaveLength(2);
  });

  it("relays between clients on different workers, and keeps the message in that Redis, not the default one", async () => {
    const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
    const arrival = waitFor(b, "message:new");
    const ack = await a.timeout(10_000).emitWithAck("message:send", { room: "lobby", text: "through my own Redis" });
    expect(ack).toMatchObject({ ok: true });
    const [message] = await arrival;
    expect(message).toMatchObject({ from: "A", text: "through my own Redis" });

    // Everything went through the Redis named by REDIS_URL: the workers' subscriptions and
    // the stored message are there, and nothing of this server is on the default Redis.
    const redisCli = (port: number, ...args: string[]) =>
      execFileSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    const channel = `${server.prefix}#/#`;
    expect(redisCli(redis.port, "pubsub", "shardnumsub", channel)).toEqual([channel, "2"]);
    expect(redisCli(6379, "pubsub", "shardnumsub", channel)).toEqual([channel, "0"]);
    expect(redisCli(redis.port, "--scan", "--pattern", `${server.prefix}:*`).length).toBeGreaterThan(0);
    expect(redisCli(6379, "--scan", "--pattern", `${server.prefix}:*`)).toEqual([]);
  });
});
