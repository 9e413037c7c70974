import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, Socket, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { holdUpgradeWrites, TurnWebSocketServer } from "../../src/app/turn-writes.ts";
import { socketOf } from "../../src/seams/ws-raw-socket.ts";

/*
 * Canary of seams/ws-raw-socket.ts: ws keeps the TCP socket under a WebSocket in a private
 * field. If an upgrade of ws moves it, `socketOf` finds nothing, and the write coalescing
 * (app/turn-writes.ts) and the connection trimming quietly stop working: both fail here.
 */

describe("the TCP socket under a ws WebSocket", () => {
  it("is the socket its upgrade came on, for as long as the WebSocket is open", async () => {
    const http: Server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const seen: { upgraded: Duplex; found: Duplex | undefined }[] = [];
    http.on("upgrade", (request, socket: Duplex, head) =>
      wss.handleUpgrade(request, socket, head, (websocket) => {
        seen.push({ upgraded: socket, found: socketOf(websocket) });
        websocket.send("hello");
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    try {
      await new Promise((resolve, reject) => {
        client.once("message", resolve);
        client.once("error", reject);
      });
      const [only] = seen;
      expect(only?.found).toBeInstanceOf(Socket);
      expect(only?.found).toBe(only?.upgraded);
      // The client's side too: a net.Socket from its own connection.
      expect(socketOf(client)).toBeInstanceOf(Socket);
      expect((socketOf(client) as Socket).remotePort).toBe(port);
    } finally {
      client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

/** How a Node socket hands what is written to it to the kernel: one call per write, or per corked batch. */
interface KernelWrites {
  _write(...args: unknown[]): void;
  _writev(...args: unknown[]): void;
}

/**
 * A WebSocket server sends three frames in one turn; a raw client records each chunk it
 * reads, and the server's socket counts the writes it passes to the kernel from the upgrade on.
 */
async function exchange(
  engine: new (options: { noServer: true }) => WebSocketServer,
  holdUpgrade: boolean,
): Promise<{ chunks: string[]; kernelWrites: number }> {
  let kernelWrites = 0;
  const http: Server = createServer();
  const wss = new engine({ noServer: true });
  if (holdUpgrade) holdUpgradeWrites(http);
  http.on("upgrade", (request, socket, head) => {
    const writes = socket as unknown as KernelWrites;
    for (const method of ["_write", "_writev"] as const) {
      const original = writes[method];
      writes[method] = function (this: unknown, ...args: unknown[]) {
        kernelWrites += 1;
        original.apply(this, args);
      };
    }
    wss.handleUpgrade(request, socket, head, (websocket) => {
      for (const text of ["one", "two", "three"]) websocket.send(text);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  try {
    const chunks = await new Promise<string[]>((resolve, reject) => {
      const chunks: string[] = [];
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk.toString("latin1"));
        if (chunks.join("").includes("three")) {
          socket.destroy();
          resolve(chunks);
        }
      });
      socket.once("error", reject);
    });
    return { chunks, kernelWrites };
  } finally {
    wss.close();
    await new Promise((resolve) => http.close(resolve));
  }
}

describe("writes held for the turn", () => {

  it("passes the frames written to one connection within a turn to the kernel in one write", async () => {
    const { chunks, kernelWrites } = await exchange(TurnWebSocketServer, false);
    // The 101 response, written before the WebSocket existed, then the three frames at once.
    expect(kernelWrites).toBe(2);
    expect(chunks.join("")).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*one[\s\S]*two[\s\S]*three$/);
  });

  it("with the upgrade held too, the 101 response goes in the same write as the frames", async () => {
    const { chunks, kernelWrites } = await exchange(TurnWebSocketServer, true);
    expect(kernelWrites).toBe(1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*one[\s\S]*two[\s\S]*three$/);
  });
});
