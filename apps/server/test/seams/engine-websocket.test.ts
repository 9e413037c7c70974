import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { websocketOf, websocketOfTransport } from "../../src/seams/engine-websocket.ts";

/*
 * Canary of seams/engine-websocket.ts: engine.io keeps the ws WebSocket under a connection in
 * its transport's private field `socket`. If an upgrade moves it, the output limit no longer
 * sees what waits in the WebSocket, and connection trimming no longer finds its listener.
 */
const describeWebsocket = (websocket: WebSocket | undefined) =>
  websocket instanceof WebSocket
    ? { buffered: typeof websocket.bufferedAmount, terminate: typeof websocket.terminate }
    : websocket;

describe("the ws WebSocket under an Engine.IO connection", () => {
  it("is found on the WebSocket transport (with what waits in it), on a polling connection once upgraded, and not on long-polling", async () => {
    const http = createServer();
    const server = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const found: Record<string, unknown> = {};
    const seen = new Promise<void>((resolve) => {
      const note = (key: string, value: unknown) => {
        found[key] = value;
        if (Object.keys(found).length === 4) resolve();
      };
      server.on("connection", (socket) => {
        const kind = String(socket.handshake.auth["kind"]);
        note(kind, describeWebsocket(websocketOf(socket.conn)));
        if (kind === "upgrading") {
          socket.conn.once("upgrade", (transport: unknown) => {
            note("upgraded", {
              transport: describeWebsocket(websocketOfTransport(transport)),
              conn: describeWebsocket(websocketOf(socket.conn)),
            });
          });
        }
      });
    });
    const clients = [
      connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true, auth: { kind: "websocket" } }),
      connect(`http://127.0.0.1:${port}`, { transports: ["polling"], forceNew: true, auth: { kind: "polling" } }),
      connect(`http://127.0.0.1:${port}`, { transports: ["polling", "websocket"], forceNew: true, auth: { kind: "upgrading" } }),
    ];
    try {
      await seen;
      const open = { buffered: "number", terminate: "function" };
      expect(found).toStrictEqual({ websocket: open, polling: undefined, upgrading: undefined, upgraded: { transport: open, conn: open } });
    } finally {
      clients.forEach((client) => client.close());
      await new Promise<void>((resolve) => void server.close(() => resolve()));
    }
  });
});
