import { defaultRoom } from "@chat/protocol";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer, type TestClient } from "@chat/test-kit";
import { ok } from "./support/requests.ts";

/**
 * Many clients connecting at the same moment: each gets in, and the cluster primary spreads
 * them over the workers as it routes them, rather than sending the whole burst to the worker
 * that held the fewest connections when it began (a worker reports a connection only once
 * it has taken it, after the burst has been routed). A connection that waits its turn to be
 * passed to a worker loses none of its bytes: its first WebSocket frame, the Socket.IO CONNECT,
 * reaches the worker however busy the primary is.
 */
describe("a storm of simultaneous connections", () => {
  const websocketClients = 400;
  const pollingFirstClients = 100;
  const total = websocketClients + pollingFirstClients;
  /** Only tells a hung connection from a slow one on a busy machine. */
  const connectBoundMs = 40_000;
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.stop();
  });

  it(`lets all ${total} in, spread evenly over both workers, each present in the ${defaultRoom}`, { timeout: connectBoundMs + 20_000 }, async () => {
    const names = Array.from({ length: total }, (_, i) => `storm${i}`);
    const connected = names.map((name, i) => {
      const client: TestClient = io(server.url, {
        auth: { name },
        reconnection: false,
        forceNew: true,
        timeout: connectBoundMs,
        // Long-polling first for some: their first request is routed like a WebSocket's.
        ...(i < websocketClients ? { transports: ["websocket"] } : {}),
      });
      clients.push(client);
      return new Promise<string>((resolve, reject) => {
        client.once("connect", () => resolve(client.id ?? ""));
        client.once("connect_error", (error) => reject(new Error(`${name}: ${error.message}`)));
      });
    });
    // A client whose Socket.IO CONNECT goes unanswered hangs with no error of its own: name them.
    const waiting = new Set(names);
    connected.forEach((done, i) => void done.then(() => waiting.delete(names[i] ?? ""), () => undefined));
    let hung: NodeJS.Timeout | undefined;
    const ids = await Promise.race([
      Promise.all(connected),
      new Promise<never>((_, reject) => {
        hung = setTimeout(() => reject(new Error(`not connected after ${connectBoundMs} ms: ${[...waiting].join(" ")}`)), connectBoundMs);
      }),
    ]).finally(() => clearTimeout(hung));
    expect(new Set(ids).size).toBe(total);

    const perWorker = new Map<number, number>();
    for (const id of ids) {
      const worker = await server.workerOf(id);
      perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
    }
    expect([...perWorker.keys()].sort()).toEqual([1, 2]);
    for (const count of perWorker.values()) {
      expect(count).toBeGreaterThanOrEqual(total * 0.45);
      expect(count).toBeLessThanOrEqual(total * 0.55);
    }

    // Every presence entry of the burst landed: the lobby lists each user once.
    const [first] = clients;
    if (first === undefined) throw new Error("no client");
    const { users } = await ok(first, "presence:who", { room: defaultRoom });
    expect(users).toEqual([...names].sort());
  });
});
