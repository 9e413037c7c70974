import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { websocketOf } from "../src/seams/engine-websocket.ts";

/** Canary: fails the day engine.io stops keeping the ws WebSocket where `websocketOf` looks. */
describe("the ws WebSocket under an Engine.IO connection", () => {
  it("is found on the WebSocket transport (with what waits in it), and not on long-polling", async () => {
    const http = createServer();
    const server = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const seen = new Promise<unknown[]>((resolve) => {
      const found: unknown[] = [];
      server.on("connection", (socket) => {
        const websocket = websocketOf(socket.conn);
        found.push(websocket instanceof WebSocket ? { transport: socket.conn.transport.name, buffered: typeof websocket.bufferedAmount } : websocket);
        if (found.length === 2) resolve(found);
      });
    });
    const clients = [
      connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true }),
      connect(`http://127.0.0.1:${port}`, { transports: ["polling"], forceNew: true }),
    ];
    try {
      const found = await seen;
      expect(found).toContainEqual({ transport: "websocket", buffered: "number" });
      expect(found).toContainEqual(undefined);
    } finally {
      clients.forEach((client) => client.close());
      await new Promise<void>((resolve) => void server.close(() => resolve()));
    }
  });
});
