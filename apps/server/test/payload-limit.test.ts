import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type RunningServer, type TestClient, uniquePrefix } from "@chat/test-kit";
import { record } from "./support/recorder.ts";
import { ok } from "./support/requests.ts";
import { startServerPatiently, unique } from "./support/topology.ts";
import { untyped } from "./support/wire.ts";

const maxPayloadBytes = 4096;

const escape = (text: string) => text.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

/**
 * MAX_PAYLOAD_BYTES=4096: a packet over it closes its connection (Socket.IO's
 * `maxHttpBufferSize`), is never handled, and the worker goes on serving everyone else.
 */
describe.each([["websocket"], ["polling"]] as const)("MAX_PAYLOAD_BYTES over %s", (transport) => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  const connect = async (name: string) => {
    const client = await connectClient(server.url, name, { transports: [transport] });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 1, prefix: uniquePrefix(), env: { MAX_PAYLOAD_BYTES: String(maxPayloadBytes) } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  // A valid line (2,000 characters, the protocol's most) of three bytes each: only its size is wrong.
  const bigLine = "€".repeat(2000);
  const cases = [
    { what: "a valid message:send of 6 kB", emit: (client: TestClient) => untyped(client).emit("message:send", { room: "lobby", text: bigLine }, () => undefined) },
    { what: "a 10 kB string argument", emit: (client: TestClient) => untyped(client).emit("message:send", "x".repeat(10_000), () => undefined) },
  ];

  it.each(cases)("$what closes the connection, broadcasts and stores nothing, and the worker serves others", async ({ emit }) => {
    expect(Buffer.byteLength(bigLine)).toBeGreaterThan(maxPayloadBytes);
    const watcher = await connect(unique("watcher"));
    const seen = record(watcher);
    const sender = await connect(unique("sender"));
    const senderId = sender.id ?? "";
    expect(sender.io.engine.transport.name).toBe(transport);

    const disconnected = new Promise<string>((resolve) => sender.once("disconnect", (reason) => resolve(reason)));
    emit(sender);
    expect(await disconnected).toMatch(/^transport (close|error)$/);
    // The server closed its end too.
    await server.waitForLine(new RegExp(`^worker: 1, disconnected, id: ${escape(senderId)}$`));

    // The same worker takes a new connection and relays its line; nothing else arrived before it.
    const after = await connect(unique("after"));
    const text = unique("still serving");
    await ok(after, "message:send", { room: "lobby", text });
    await seen.next("message:new", (message) => message.text === text);
    expect(seen.of("message:new").map((message) => message.text)).toEqual([text]);
    const history = await ok(watcher, "history:fetch", { room: "lobby", limit: 100 });
    expect(history.messages.map((message) => message.text)).not.toContain(bigLine);
    expect(history.messages.at(-1)?.text).toBe(text);

    expect(server.child.exitCode).toBeNull();
    expect(server.lines.filter((line) => /exited|starting a replacement/.test(line))).toEqual([]);
    await expect(server.workerOf(after.id ?? "")).resolves.toBe(1);
  });

  it("lets a packet just under the limit through", async () => {
    const sender = await connect(unique("sender"));
    const text = `${unique("fits")} ${"€".repeat(1000)}`;
    await ok(sender, "message:send", { room: "lobby", text });
    expect(sender.connected).toBe(true);
  });
});
