import { ConnectRefusal } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type RunningServer, type TestClient, uniquePrefix } from "@chat/test-kit";
import { ok } from "./support/requests.ts";
import { startServerPatiently, unique } from "./support/topology.ts";
import { tryConnect } from "./support/wire.ts";

describe("MAX_CONNECTIONS_PER_WORKER=3 with one worker", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 1, prefix: uniquePrefix(), env: { MAX_CONNECTIONS_PER_WORKER: "3" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  it("refuses the fourth connection with unavailable, and accepts a new one once one has left", async () => {
    for (let i = 0; i < 3; i++) clients.push(await connectClient(server.url, unique("held")));

    const refused = await tryConnect(server.url, { name: unique("fourth") });
    expect(refused.connected).toBe(false);
    if (refused.connected) return;
    const refusal = ConnectRefusal.parse(refused.data);
    expect(refusal).toEqual({ code: "unavailable", message: expect.stringMatching(/maximum of 3 connections/) });
    expect(refused.message).toBe(refusal.message);
    await server.waitForLine(/^worker: 1, holding 3 connections \(MAX_CONNECTIONS_PER_WORKER=3\), refusing new ones$/);
    // Over websocket too: the limit is Socket.IO's handshake, whatever the transport.
    const overWebSocket = await tryConnect(server.url, { name: unique("fourth") }, { transports: ["websocket"] });
    expect(overWebSocket).toMatchObject({ connected: false, data: { code: "unavailable" } });

    // The three held connections are unaffected.
    for (const client of clients) await ok(client, "room:list");

    const leaving = clients.shift();
    if (leaving === undefined) throw new Error("no client");
    const leavingId = leaving.id ?? "";
    leaving.close();
    await server.waitForLine(new RegExp(`^worker: 1, disconnected, id: ${leavingId.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&")}$`));

    const replacement = await connectClient(server.url, unique("replacement"));
    clients.push(replacement);
    await ok(replacement, "room:list");
    // And full again.
    expect(await tryConnect(server.url, { name: unique("fifth") })).toMatchObject({ connected: false, data: { code: "unavailable" } });
  });
});
