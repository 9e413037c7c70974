import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import {
  childPids,
  clientsOnDifferentWorkers,
  clusterWorkerId,
  connectClient,
  isAlive,
  killIfSame,
  type RunningServer,
  type ServerProcess,
  sleep,
  spawnServer,
  startServer,
  startTimeOf,
  type TestClient,
  uniquePrefix,
  waitFor,
  waitUntil,
  within,
} from "@chat/test-kit";

type DisconnectReason = Socket.DisconnectReason;

/** Everything a test started, so that nothing outlives it whatever happens. */
const started: { servers: ServerProcess[]; pids: Map<number, string | undefined>; clients: TestClient[] } = {
  servers: [],
  pids: new Map(),
  clients: [],
};
const remember = (pid: number) => {
  if (!started.pids.has(pid)) started.pids.set(pid, startTimeOf(pid));
};

afterEach(async () => {
  started.clients.splice(0).forEach((client) => client.close());
  for (const server of started.servers.splice(0)) {
    childPids(server.child.pid ?? -1).forEach(remember);
    await server.stop("SIGKILL");
  }
  for (const [pid, startTime] of started.pids) killIfSame(pid, startTime);
  started.pids.clear();
});

async function start(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer({ workers: 2, env });
  started.servers.push(server);
  return server;
}

/** The pid of each live worker of `server`, by cluster worker id. */
function workerPids(server: ServerProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const pid of childPids(server.child.pid ?? -1)) {
    const id = clusterWorkerId(pid);
    if (id !== undefined) pids.set(id, pid);
  }
  [...pids.values()].forEach(remember);
  return pids;
}

function nextDisconnect(client: TestClient): Promise<DisconnectReason> {
  return new Promise((resolve) => client.once("disconnect", (reason) => resolve(reason)));
}

/** `from` says `text` in the lobby; every client in `to` receives it. */
async function chat(from: TestClient, to: TestClient[], text: string): Promise<void> {
  const arrivals = to.map((client) => waitFor(client, "message:new"));
  const ack = await from.timeout(10_000).emitWithAck("message:send", { room: "lobby", text });
  expect(ack).toMatchObject({ ok: true });
  for (const [message] of await Promise.all(arrivals)) expect(message).toMatchObject({ room: "lobby", text });
}

describe("the primary supervises its workers", () => {
  it("replaces a worker killed with SIGKILL; its client reconnects and chats again with the other worker's client", async () => {
    const server = await start();
    // Reconnection on, retrying soon after the loss, as a client on a flaky network would be
    // configured: the first attempt comes while the replacement worker is still starting.
    const { a, b, workers, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"], {
      reconnection: true,
      reconnectionDelay: 100,
      randomizationFactor: 0,
    });
    started.clients.push(a, b, ...extra);
    const [workerA, workerB] = workers;
    const before = workerPids(server);
    expect([...before.keys()].sort()).toEqual([1, 2]);
    const victim = before.get(workerA) ?? -1;

    const lost = nextDisconnect(a);
    // How the first reconnection attempt ends: connected again, or the client's own error
    // ("timeout" after its 20 s connect timeout when the server never answers).
    const firstAttempt = new Promise<string>((resolve) => {
      a.once("connect", () => resolve("connected"));
      a.io.once("reconnect_error", (error) => resolve(`reconnect_error: ${error.message}`));
    });
    process.kill(victim, "SIGKILL");

    await server.waitForLine(new RegExp(`^primary, worker ${workerA} exited \\(SIGKILL\\), starting a replacement$`));
    expect(["transport close", "transport error"]).toContain(await lost);
    expect(b.connected).toBe(true);

    // Back to two live workers: the survivor and a new one.
    const after = await waitUntil("two live workers again", () => {
      const pids = workerPids(server);
      return pids.size === 2 && !pids.has(workerA) ? pids : undefined;
    });
    expect(isAlive(victim)).toBe(false);
    expect(after.get(workerB)).toBe(before.get(workerB));
    const replacement = [...after.keys()].find((id) => id !== workerB) ?? -1;
    expect(replacement).toBe(3);

    // The client that was on the dead worker comes back by itself, at its first attempt, and
    // hears and is heard by the client on the other worker.
    expect(await within(firstAttempt, 25_000, "client A's reconnection attempt never ended")).toBe("connected");
    expect(a.connected).toBe(true);
    const workerANow = await server.workerOf(a.id ?? "");
    expect(workerANow).not.toBe(workerA);
    await chat(a, [b], "back again");
    await chat(b, [a], "welcome back");

    // A new client reaches the replacement worker (once it is up) and talks across workers too.
    let c: TestClient | undefined;
    const deadline = Date.now() + 20_000;
    while (c === undefined && Date.now() < deadline) {
      const candidate = await connectClient(server.url, "C");
      started.clients.push(candidate);
      if ((await server.workerOf(candidate.id ?? "")) === replacement) c = candidate;
      else {
        candidate.close();
        await sleep(250);
      }
    }
    if (c === undefined) throw new Error(`no connection reached the replacement worker ${replacement}`);
    await chat(c, [a, b], "hello from the replacement");
    await chat(b, [a, c], "hello replacement");
  }, 60_000);

  it("starts listening even when a worker dies before it is ready, with WORKERS live workers", async () => {
    const server = spawnServer({ env: { PORT: "0", WORKERS: "2", REDIS_PREFIX: uniquePrefix() } });
    started.servers.push(server);
    const primary = server.child.pid ?? -1;
    // Kill the first worker as soon as it exists: it is still loading, long before it is ready.
    const early = await waitUntil("the first worker to be forked", () => childPids(primary)[0], 10_000);
    remember(early);
    process.kill(early, "SIGKILL");
    await server.waitForLine(/^primary, worker \d+ exited \(SIGKILL\), starting a replacement$/);

    const line = await server.waitForLine(/listening on port \d+/, 30_000);
    expect(line).toMatch(/with 2 workers/);
    const pids = await waitUntil("two live workers", () => {
      const live = workerPids(server);
      return live.size === 2 ? live : undefined;
    });
    expect(pids.size).toBe(2);
    const port = Number(/listening on port (\d+)/.exec(line)?.[1]);
    const { a, b, extra } = await clientsOnDifferentWorkers(`http://127.0.0.1:${port}`, (id) => server.workerOf(id), ["A", "B"]);
    started.clients.push(a, b, ...extra);
    await chat(a, [b], "despite a bad start");
  }, 60_000);
});

describe("the primary stops on a signal", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s: clients are disconnected, every process exits, exit code 0, within SHUTDOWN_TIMEOUT_MS",
    async (signal) => {
      const timeoutMs = 5000;
      const server = await start({ SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
      const { a, b, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
      started.clients.push(a, b, ...extra);
      await chat(a, [b], "before the end");
      const workers = [...workerPids(server).values()];
      expect(workers).toHaveLength(2);
      const disconnects = [a, b].map(nextDisconnect);

      const exit = await within(server.stop(signal), timeoutMs + 5000, `the primary did not exit after ${signal}`);

      expect(server.lines).toContain(`primary, ${signal} received, stopping 2 workers`);
      expect(server.lines.join("\n")).not.toMatch(/still running/);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(server.lines).toContain("primary, stopped");
      await waitUntil("every worker gone", () => (workers.every((pid) => !isAlive(pid)) ? true : undefined), 2000);
      const reasons = await within(Promise.all(disconnects), 5000, "a client was not disconnected");
      for (const reason of reasons) expect(["transport close", "io server disconnect"]).toContain(reason);
    },
  );

  it("kills a worker that does not stop (SIGSTOPped) once SHUTDOWN_TIMEOUT_MS has passed, and exits", async () => {
    const timeoutMs = 1000;
    const server = await start({ SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const pids = workerPids(server);
    const [stuck, healthy] = [pids.get(1) ?? -1, pids.get(2) ?? -1];
    process.kill(stuck, "SIGSTOP");

    const sent = Date.now();
    const exit = await within(server.stop("SIGTERM"), timeoutMs + 5000, "the primary did not exit with a stuck worker");
    const took = Date.now() - sent;

    expect(server.lines).toContain(`primary, workers still running after ${timeoutMs} ms, killing them`);
    expect(exit).toEqual({ code: 1, signal: null });
    // It waited for the grace period rather than killing at once.
    expect(took).toBeGreaterThanOrEqual(timeoutMs - 100);
    await waitUntil("both workers gone", () => (!isAlive(stuck) && !isAlive(healthy) ? true : undefined), 2000);
  });
});
