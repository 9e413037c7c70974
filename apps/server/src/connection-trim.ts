import { ServerResponse } from "node:http";
import type { ChatServer, ChatSocket } from "./chat-socket.ts";

/** What the trimmed parts of a connection's handshake are left pointing to: one object for all. */
const nothing = Object.freeze({});

/** A listener `once` wraps keeps the function it wraps here. */
type Listener = ((...args: unknown[]) => void) & { listener?: (...args: unknown[]) => void };

/**
 * Lets go of what each connection carries from its opening and never uses again, so that
 * ten thousand idle connections hold about a kilobyte less each:
 *
 * - its first HTTP request (the WebSocket upgrade, or the first poll), with its stream state
 *   and raw headers. Two things hold it: Engine.IO's session (`conn.request`), which Socket.IO
 *   reads when the client connects; and the stand-in response Engine.IO makes for an upgrade,
 *   which a listener on the connection keeps alive after the upgrade is answered;
 * - the listener Engine.IO adds to a new WebSocket for errors during its upgrade;
 * - Socket.IO's copy of the handshake's headers, query and URL (`socket.handshake`): the
 *   server reads only the handshake's `auth`, when it authenticates the connection. The
 *   handshake keeps `auth`, `address`, `time` and the rest.
 */
export function trimConnections(io: ChatServer): (socket: ChatSocket) => void {
  io.engine.use((_request: unknown, response: unknown, next: (error?: unknown) => void) => {
    if (!(response instanceof ServerResponse) && typeof response === "object" && response !== null && "socket" in response) {
      // The stand-in for an upgrade has just put its listener on the connection: the last one.
      const socket = (response as { socket: NodeJS.EventEmitter }).socket;
      const closeListeners = socket.rawListeners("close") as Listener[];
      const standIns = closeListeners.at(-1);
      // The upgrade is answered within this turn of the event loop; the stand-in is not needed after it.
      setImmediate(() => {
        if (standIns?.listener !== undefined && String(standIns.listener).includes('this.emit("close")')) {
          socket.removeListener("close", standIns);
        }
        Object.assign(response, { req: undefined });
      });
    }
    next();
  });
  return (socket) => {
    // Socket.IO reads it again only to connect to another namespace, which this server has not.
    Object.assign(socket.conn, { request: undefined });
    const websocket = (socket.conn.transport as { socket?: NodeJS.EventEmitter }).socket;
    if (websocket !== undefined) {
      for (const listener of websocket.listeners("error")) {
        if (listener.name === "onUpgradeError") websocket.removeListener("error", listener as Listener);
      }
    }
    Object.assign(socket.handshake, { headers: nothing, query: nothing, url: "" });
  };
}
