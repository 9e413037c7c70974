import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { limits } from "@chat/protocol";
import { io, type ManagerOptions, type SocketOptions } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientsOnDifferentWorkers, connectClient, type RunningServer, startServer, type TestClient } from "@chat/test-kit";
import { inbox, sendLine, upgradedToWebSocket } from "./support/wire.ts";

/**
 * Every transport a browser may use, through the primary's sticky routing, between clients
 * on different workers. Long-polling is the one that breaks without sticky sessions: each of
 * its HTTP requests must reach the worker that owns the session.
 */
describe("transports between clients on different workers", () => {
  let server: RunningServer;
  let clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
  }, 60_000);
  afterEach(() => {
    clients.forEach((client) => client.close());
    clients = [];
  });
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  const pair = async (names: [string, string], options: Partial<ManagerOptions & SocketOptions>) => {
    const { a, b, workers, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), names, options);
    clients.push(a, b, ...extra);
    extra.forEach((client) => client.close());
    expect(workers[0]).not.toBe(workers[1]);
    return { a, b };
  };

  /** Connects more clients with `connect` until one lands on another worker than `first`; closes the rest. */
  const secondOnOtherWorker = async <T extends TestClient | { client: TestClient }>(
    first: TestClient,
    connect: () => Promise<T>,
  ): Promise<T> => {
    const clientOf = (made: T): TestClient => ("client" in made ? made.client : made);
    const firstWorker = await server.workerOf(first.id ?? "");
    for (let attempt = 0; attempt < 20; attempt++) {
      const made = await connect();
      if ((await server.workerOf(clientOf(made).id ?? "")) !== firstWorker) return made;
      clientOf(made).close();
    }
    throw new Error("twenty connections in a row landed on the same worker");
  };

  /** A client with the default transports, recording the transport it opened on and every upgrade. */
  const connectRecording = async (name: string) => {
    const client: TestClient = io(server.url, { auth: { name }, reconnection: false, forceNew: true, autoConnect: false });
    clients.push(client);
    const record: { firstTransport: string | undefined; upgrades: string[] } = { firstTransport: undefined, upgrades: [] };
    client.io.once("open", () => {
      record.firstTransport = client.io.engine.transport.name;
      client.io.engine.on("upgrade", (transport) => record.upgrades.push(transport.name));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${name} did not connect`)), 10_000);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      client.once("connect_error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      client.connect();
    });
    return { client, record };
  };

  /** A sends two lines to B, B answers two to A; each side gets exactly the other's, in order. */
  const exchange = async (a: TestClient, b: TestClient, tag: string) => {
    const atA = inbox(a);
    const atB = inbox(b);
    const aLines = [`${tag}: A first`, `${tag}: A second`];
    const bLines = [`${tag}: B first`, `${tag}: B second`];
    for (const text of aLines) await sendLine(a, text);
    await atB.waitForText(aLines[1] ?? "");
    for (const text of bLines) await sendLine(b, text);
    await atA.waitForText(bLines[1] ?? "");
    expect(atB.messages.map(({ from, text }) => ({ from, text }))).toEqual(aLines.map((text) => ({ from: "A", text })));
    expect(atA.messages.map(({ from, text }) => ({ from, text }))).toEqual(bLines.map((text) => ({ from: "B", text })));
  };

  it("long-polling only: messages cross both ways, and nothing upgrades", async () => {
    const { a, b } = await pair(["A", "B"], { transports: ["polling"] });
    expect(a.io.engine.transport.name).toBe("polling");
    expect(b.io.engine.transport.name).toBe("polling");
    await exchange(a, b, "polling");
    // Several long-poll round trips have happened; they all stayed on the session's worker.
    expect(a.connected && b.connected).toBe(true);
    expect(a.io.engine.transport.name).toBe("polling");
    expect(b.io.engine.transport.name).toBe("polling");
    expect(server.lines.filter((line) => /Session ID unknown|exited/.test(line))).toEqual([]);
  });

  it("long-polling carries a maximum-length line of multi-byte text intact, both ways", async () => {
    const { a, b } = await pair(["A", "B"], { transports: ["polling"] });
    const atA = inbox(a);
    const atB = inbox(b);
    // Each "é" is two bytes in UTF-8 and one character: the longest line, twice as many bytes.
    const fromA = "é".repeat(limits.textMaxLength - 2) + "Aa";
    const fromB = "ü".repeat(limits.textMaxLength - 2) + "Bb";
    await sendLine(a, fromA);
    expect((await atB.waitForText(fromA)).text).toHaveLength(limits.textMaxLength);
    await sendLine(b, fromB);
    expect((await atA.waitForText(fromB)).text).toHaveLength(limits.textMaxLength);
    expect(atB.texts()).toEqual([fromA]);
    expect(atA.texts()).toEqual([fromB]);
  });

  it("long-polling: a burst of long lines, batched into large POSTs, arrives complete and in order", async () => {
    const { a, b } = await pair(["A", "B"], { transports: ["polling"] });
    const atB = inbox(b);
    // Sent without waiting: the client batches them into a few HTTP requests far larger than
    // one TCP read, which the primary must forward whole to the session's worker.
    const texts = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, "0")} ${"ü".repeat(limits.textMaxLength - 3)}`);
    const acks = await Promise.all(texts.map((text) => a.timeout(20_000).emitWithAck("message:send", { room: "lobby", text })));
    const ids = acks.map((ack) => (ack.ok ? ack.data.id : `refused: ${ack.error.code}`));
    await atB.waitForText(texts.at(-1) ?? "", 20_000);
    expect(atB.messages.map(({ id, text }) => ({ id, text }))).toEqual(texts.map((text, i) => ({ id: ids[i], text })));
    // Stream ids: milliseconds, then a sequence number within the millisecond.
    const isAfter = (later: string, earlier: string) => {
      const [laterMs = 0, laterSeq = 0] = later.split("-").map(Number);
      const [earlierMs = 0, earlierSeq = 0] = earlier.split("-").map(Number);
      return laterMs > earlierMs || (laterMs === earlierMs && laterSeq > earlierSeq);
    };
    expect(ids.slice(1).every((id, i) => isAfter(id, ids[i] ?? ""))).toBe(true);
  });

  it("default transports: both clients open on long-polling, upgrade to WebSocket, and messages cross both ways", async () => {
    const a = await connectRecording("A");
    const b = await secondOnOtherWorker(a.client, () => connectRecording("B"));
    expect(a.record.firstTransport).toBe("polling");
    expect(b.record.firstTransport).toBe("polling");
    await Promise.all([upgradedToWebSocket(a.client), upgradedToWebSocket(b.client)]);
    expect(a.record.upgrades).toEqual(["websocket"]);
    expect(b.record.upgrades).toEqual(["websocket"]);
    expect(a.client.io.engine.transport.name).toBe("websocket");
    expect(b.client.io.engine.transport.name).toBe("websocket");
    await exchange(a.client, b.client, "upgraded");
    expect(a.client.connected && b.client.connected).toBe(true);
  });

  it("WebSocket only: messages cross both ways", async () => {
    const { a, b } = await pair(["A", "B"], { transports: ["websocket"] });
    expect(a.io.engine.transport.name).toBe("websocket");
    expect(b.io.engine.transport.name).toBe("websocket");
    await exchange(a, b, "websocket");
    expect(a.connected && b.connected).toBe(true);
  });

  it("WebSocket only: the upgrade's response and the Engine.IO open packet come in one piece", async () => {
    // Written one after the other within a turn, they leave in one write (turn-writes.ts),
    // so the client's first read holds both.
    const port = Number(new URL(server.url).port);
    const first = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.once("data", (chunk: Buffer) => {
        socket.destroy();
        resolve(chunk.toString("latin1"));
      });
      socket.once("error", reject);
    });
    expect(first).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    const body = first.slice(first.indexOf("\r\n\r\n") + 4);
    // A text frame (0x81) holding the open packet: "0" and the session.
    expect(body.charCodeAt(0)).toBe(0x81);
    expect(body).toContain('0{"sid":"');
  });

  it("mixed: a long-polling client and a WebSocket-only client on different workers talk both ways", async () => {
    const a = await connectClient(server.url, "A", { transports: ["polling"] });
    clients.push(a);
    const b = await secondOnOtherWorker(a, async () => {
      const client = await connectClient(server.url, "B", { transports: ["websocket"] });
      clients.push(client);
      return client;
    });
    expect(a.io.engine.transport.name).toBe("polling");
    expect(b.io.engine.transport.name).toBe("websocket");
    await exchange(a, b, "mixed");
  });
});
