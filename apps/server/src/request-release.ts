import { ServerResponse } from "node:http";
import type { ChatServer, ChatSocket } from "./chat-socket.ts";

/**
 * Lets each connection's first HTTP request (the WebSocket upgrade, or the first poll) be
 * collected once the connection is open, instead of keeping it, its headers and its stream
 * state for the connection's whole life: about a kilobyte for each idle connection.
 *
 * Two things hold it: Engine.IO's session (`conn.request`), from which Socket.IO copies the
 * handshake (`socket.handshake` keeps the headers and query) when the client connects; and
 * the stand-in response Engine.IO makes for an upgrade, kept alive by a listener on the
 * connection, which needs the request only while the upgrade is being answered.
 */
export function releaseRequests(io: ChatServer): (socket: ChatSocket) => void {
  io.engine.use((_request: unknown, response: unknown, next: (error?: unknown) => void) => {
    if (!(response instanceof ServerResponse) && typeof response === "object" && response !== null && "req" in response) {
      // The upgrade is answered within this turn of the event loop.
      setImmediate(() => Object.assign(response, { req: undefined }));
    }
    next();
  });
  return (socket) => {
    // Socket.IO reads it again only to connect to another namespace, which this server has not.
    Object.assign(socket.conn, { request: undefined });
  };
}
