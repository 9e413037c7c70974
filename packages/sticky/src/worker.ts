import cluster from "node:cluster";
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { Server } from "socket.io";
import { isPrimaryMessage, toBuffer, type WorkerMessage } from "./messages.ts";
import { requestedTransport } from "./node-internals.ts";
import { RelayedSocket } from "./relayed-socket.ts";

export interface WorkerOptions {
  /**
   * "internal": the primary passes the next connection on Node.js's own acknowledgement of
   * the last one's handle; "message" (default): on a message this worker sends for it. One
   * IPC message fewer per connection with "internal".
   */
  handoffAck?: "message" | "internal";
  /**
   * "batched": sessions opened over WebSocket are counted to the primary together every
   * 20 ms, not named one by one ("each", the default): no later request of such a session
   * needs routing, and the primary needs only their number (for "least-connection").
   */
  sessionReports?: "each" | "batched";
}

const sessionReportMs = 20;
/** A failed send means the primary is gone; the next request fails anyway. */
const ignoreError = () => {};

const tell = (message: WorkerMessage) => {
  process.send?.(message, undefined, undefined, ignoreError);
};

/** Serves the connections the primary hands this worker with `io`, and reports its sessions. */
export function setupWorker(io: Server, options: WorkerOptions = {}): void {
  if (!cluster.isWorker) throw new Error("setupWorker must run in a cluster worker");
  const internalAck = options.handoffAck === "internal";
  const batched = options.sessionReports === "batched";
  const httpServer = io.httpServer as HttpServer;

  // A kept-alive connection could carry the next request of another session to this worker.
  httpServer.prependListener("request", (_request, response) => response.setHeader("Connection", "close"));

  const relayed = new Map<string, RelayedSocket>();
  process.on("message", (message: unknown, handle: unknown) => {
    if (!isPrimaryMessage(message)) return;
    switch (message.type) {
      case "sticky:connection": {
        if (!internalAck) tell({ type: "sticky:received" });
        // No handle: the client closed the connection while it was being sent.
        if (handle == null) return;
        const socket = handle as NetSocket;
        httpServer.emit("connection", socket);
        socket.unshift(toBuffer(message.data));
        return;
      }
      case "sticky:http-chunk-start": {
        const socket = new RelayedSocket(message.connectionId, message.socketInfo);
        socket.once("close", () => relayed.delete(message.connectionId));
        httpServer.emit("connection", socket);
        socket.addChunk(toBuffer(message.data));
        relayed.set(message.connectionId, socket);
        return;
      }
      case "sticky:http-chunk":
        relayed.get(message.connectionId)?.addChunk(toBuffer(message.data));
        return;
      case "sticky:abort":
        relayed.get(message.connectionId)?.abort();
        return;
    }
  });

  tell({ type: "sticky:ready", data: internalAck ? { handoffAck: "internal" } : {} });

  let opened = 0;
  let closed = 0;
  let reportTimer: NodeJS.Timeout | undefined;
  const count = (open: number, close: number) => {
    opened += open;
    closed += close;
    if (reportTimer !== undefined) return;
    reportTimer = setTimeout(() => {
      reportTimer = undefined;
      tell({ type: "sticky:sessions", data: { opened, closed } });
      opened = 0;
      closed = 0;
    }, sessionReportMs);
    reportTimer.unref();
  };
  // One function for every counted session rather than a closure each.
  const countClosed = () => count(0, 1);
  const isCounted = (request: IncomingMessage) => batched && requestedTransport(request) === "websocket";

  // The session is bound in the primary before the handshake's answer is sent: else the
  // client's next request could reach the primary first and go to another worker.
  const generateId = io.engine.generateId.bind(io.engine);
  io.engine.generateId = async (request: IncomingMessage) => {
    const id = await generateId(request);
    if (isCounted(request)) count(1, 0);
    else tell({ type: "sticky:connection", data: id });
    return id;
  };

  io.engine.on("connection", (session: { id: string; request: IncomingMessage; once(event: "close", listener: () => void): void }) => {
    if (isCounted(session.request)) return session.once("close", countClosed);
    session.once("close", () => tell({ type: "sticky:disconnection", data: session.id }));
  });
}
