import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectRefusal } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryChatApp } from "../src/app/memory-app.ts";
import type { ChatApp } from "../src/app/create-app.ts";
import { parseConfig } from "../src/config.ts";
import type { Log } from "../src/logging/log.ts";
import { connectClient, type TestClient } from "@chat/test-kit";
import { ok } from "./support/requests.ts";
import { settle } from "./support/ops.ts";
import { tryConnect } from "./support/wire.ts";

/**
 * The limits of the single process without Redis, where the memory twins keep the counts:
 * the app of `startStandalone`, in this process, with real clients over real sockets.
 */
describe("the single process: MAX_CONNECTIONS_PER_USER=2, EVENT_RATE_PER_CONNECTION=5", () => {
  let app: ChatApp;
  let url: string;
  const errors: string[] = [];
  const clients: TestClient[] = [];
  const log: Log = { info: () => {}, error: (line) => void errors.push(line) };

  beforeAll(async () => {
    const parsed = parseConfig({ MAX_CONNECTIONS_PER_USER: "2", EVENT_RATE_PER_CONNECTION: "5" }, []);
    if (parsed.help) throw new Error("no help was asked for");
    const httpServer = createServer();
    app = createMemoryChatApp(httpServer, parsed.config, { log });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await app?.close();
  });

  it("refuses a user's third connection, and takes one again once one has left", async () => {
    const connect = async () => {
      const client = await connectClient(url, "solo", { transports: ["websocket"] });
      clients.push(client);
      return client;
    };
    const first = await connect();
    await connect();
    const refused = await tryConnect(url, { name: "solo" }, { transports: ["websocket"] });
    if (refused.connected) throw new Error("the third connection got in");
    expect(ConnectRefusal.parse(refused.data)).toEqual({
      code: "unavailable",
      message: "user solo already holds the most connections allowed to one user (2); close one and try again",
    });
    expect(errors.some((line) => /^refused handshake from \S+: user_connections: user solo/.test(line))).toBe(true);

    first.close();
    const again = await settle(() => connect().then(() => true, () => false), (connected) => connected, 5_000);
    expect(again).toBe(true);
  });

  it("answers a burst of requests beyond the connection's bucket rate_limited", async () => {
    const client = await connectClient(url, "busy", { transports: ["websocket"] });
    clients.push(client);
    const acks = await Promise.all(Array.from({ length: 100 }, () => client.timeout(10_000).emitWithAck("room:list")));
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThanOrEqual(100 - 15 - 10);
    expect(refused[0]).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await ok(client, "room:list");
  });
});
