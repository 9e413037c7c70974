import cluster, { type Worker } from "node:cluster";
import { randomBytes } from "node:crypto";
import type { Server as NetServer, Socket } from "node:net";
import { HandoffLines } from "./handoff.ts";
import { isWorkerMessage, toBuffer, type WorkerMessage } from "./messages.ts";
import { closeUnacknowledgedHandles, onHandleAcknowledged, stopReading } from "./node-internals.ts";
import { WorkerPool, type LoadBalancingMethod } from "./worker-pool.ts";

export interface PrimaryOptions {
  /**
   * Which worker a connection of no known session goes to. Default "least-connection": the
   * worker with the fewest sessions, counting connections just routed to it.
   */
  loadBalancingMethod?: LoadBalancingMethod;
  /**
   * Closes, with a 408, a connection whose HTTP header is not complete this many ms after it
   * was accepted. A net.Server has no headersTimeout of its own; unset, no such limit.
   */
  headerTimeoutMs?: number;
}

const headerEnd = Buffer.from("\r\n\r\n");
/** Node's HTTP server's default maxHeaderSize: a longer header is no request of ours. */
const maxHeaderBytes = 16_384;
const sessionIdPattern = /sid=([\w-]{20})/;

const refuse = (socket: Socket, status: string) => {
  socket.on("error", () => socket.destroy());
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
};

/**
 * Makes `server` (a net.Server, which gives a connection no HTTP parser it would never use,
 * or an http.Server) hand each connection to a cluster worker: requests of a known session
 * to the worker that owns it, others as `loadBalancingMethod` says. It answers nothing
 * itself but a 503 when no worker is ready, and a 408 past `headerTimeoutMs`.
 */
export function setupPrimary(server: NetServer, options: PrimaryOptions = {}): void {
  if (!cluster.isPrimary) throw new Error("setupPrimary must run in the cluster's primary process");
  const pool = new WorkerPool(options.loadBalancingMethod ?? "least-connection");
  const lines = new HandoffLines();
  const sessionOwners = new Map<string, number>();
  /** Connections whose bytes the primary relays (requests with a body), by connection id. */
  const relayed = new Map<string, Socket>();
  const acknowledgedInternally = new Set<number>();

  const route = (header: string): Worker | undefined => {
    const sessionId = sessionIdPattern.exec(header)?.[1];
    const owner = sessionId === undefined ? undefined : pool.byId(sessionOwners.get(sessionId));
    return owner ?? pool.choose(header.includes("EIO=") && sessionId === undefined);
  };

  server.on("connection", (socket: Socket) => {
    // A net.Server's connection has no "error" listener of its own: a client resetting it
    // while it is here must not end the primary.
    socket.on("error", () => socket.destroy());
    let headerTimer: NodeJS.Timeout | undefined;
    if ((options.headerTimeoutMs ?? 0) > 0) {
      headerTimer = setTimeout(() => {
        socket.removeAllListeners("data");
        socket.resume();
        refuse(socket, "408 Request Timeout");
      }, options.headerTimeoutMs);
      headerTimer.unref();
      socket.once("close", () => clearTimeout(headerTimer));
    }

    let worker: Worker | undefined;
    let connectionId: string | undefined;
    /** What arrived before the end of the HTTP header, which may span several chunks. */
    let partial: Buffer | undefined;
    const destroyOnError = (error: Error | null) => {
      if (error !== null) socket.destroy();
    };

    // An http.Server's own parser would read the same bytes.
    socket.removeAllListeners("data");
    socket.on("data", (chunk: Buffer) => {
      if (worker !== undefined) {
        if (connectionId === undefined) return; // the handle is on its way to the worker
        if (worker.isDead()) {
          socket.destroy();
          return;
        }
        worker.send({ type: "sticky:http-chunk", data: chunk, connectionId }, destroyOnError);
        return;
      }

      const received = partial === undefined ? chunk : Buffer.concat([partial, chunk]);
      const end = received.indexOf(headerEnd);
      if (end === -1) {
        partial = received;
        if (received.length > maxHeaderBytes) socket.destroy();
        return;
      }
      partial = undefined;
      clearTimeout(headerTimer);
      const header = received.subarray(0, end).toString();
      worker = route(header);
      if (worker === undefined) {
        refuse(socket, "503 Service Unavailable");
        return;
      }

      const lower = header.toLowerCase();
      if (!lower.includes("content-length:") && !lower.includes("transfer-encoding:")) {
        // The whole request is here: the worker gets the connection itself. Stop reading
        // now, before the handoff: Node.js drops what this process reads once it is sent.
        socket.pause();
        stopReading(socket);
        lines.pass(worker, { message: { type: "sticky:connection", data: received }, socket, header });
        return;
      }
      // A body may follow in later chunks: handing the handle over would let both processes
      // read it. The primary keeps the connection and relays its bytes both ways.
      connectionId = randomBytes(8).toString("hex");
      relayed.set(connectionId, socket);
      worker.send(
        {
          type: "sticky:http-chunk-start",
          data: received,
          connectionId,
          socketInfo: {
            remoteAddress: socket.remoteAddress,
            remotePort: socket.remotePort,
            localAddress: socket.localAddress,
            localPort: socket.localPort,
          },
        },
        destroyOnError,
      );
    });

    socket.on("close", () => {
      if (connectionId === undefined || !relayed.delete(connectionId)) return;
      if (worker !== undefined && !worker.isDead()) worker.send({ type: "sticky:abort", connectionId });
    });
  });

  const onMessage = (worker: Worker, message: WorkerMessage) => {
    switch (message.type) {
      case "sticky:http-response": {
        const socket = relayed.get(message.connectionId);
        if (socket !== undefined && !socket.destroyed) socket.write(toBuffer(message.data));
        return;
      }
      case "sticky:http-response-end":
        relayed.get(message.connectionId)?.end();
        relayed.delete(message.connectionId);
        return;
      case "sticky:http-response-destroy":
        relayed.get(message.connectionId)?.destroy(message.error === undefined ? undefined : new Error(message.error));
        relayed.delete(message.connectionId);
        return;
      case "sticky:ready":
        pool.markReady(worker);
        if (message.data.handoffAck === "internal" && !acknowledgedInternally.has(worker.id)) {
          acknowledgedInternally.add(worker.id);
          onHandleAcknowledged(worker, () => lines.acknowledged(worker));
        }
        return;
      case "sticky:received":
        if (!acknowledgedInternally.has(worker.id)) lines.acknowledged(worker);
        return;
      case "sticky:connection":
        sessionOwners.set(message.data, worker.id);
        pool.opened(worker, 1);
        return;
      case "sticky:disconnection":
        sessionOwners.delete(message.data);
        pool.closed(worker, 1);
        return;
      case "sticky:sessions":
        pool.opened(worker, message.data.opened);
        pool.closed(worker, message.data.closed);
        return;
    }
  };
  cluster.on("message", (worker: Worker, message: unknown) => {
    if (isWorkerMessage(message)) onMessage(worker, message);
  });

  cluster.on("exit", (worker: Worker) => {
    // The connections still waiting for this worker never reached it: they go to another.
    for (const handoff of lines.drop(worker)) {
      const next = route(handoff.header);
      if (next === undefined) refuse(handoff.socket, "503 Service Unavailable");
      else lines.pass(next, handoff);
    }
    closeUnacknowledgedHandles(worker);
    for (const [sessionId, owner] of sessionOwners) if (owner === worker.id) sessionOwners.delete(sessionId);
    acknowledgedInternally.delete(worker.id);
    pool.forget(worker);
  });
}
