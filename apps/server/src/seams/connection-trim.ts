import type { ChatSocket } from "../app/chat-socket.ts";
import { websocketOf } from "./engine-websocket.ts";
import { socketOf } from "./ws-raw-socket.ts";

/** What the trimmed parts of a connection's handshake are left pointing to: one object for all. */
const nothing = Object.freeze({});

/** A listener `once` wraps keeps the function it wraps here. */
type Listener = ((...args: unknown[]) => void) & { listener?: (...args: unknown[]) => void };

/**
 * Lets go of what a new connection carries from its opening and never uses again, so that
 * ten thousand idle connections hold about a kilobyte less each. Called on every connection.
 *
 * - Its first HTTP request (the WebSocket upgrade, or the first poll), with its stream state
 *   and raw headers. Two things hold it: Engine.IO's session (`conn.request`), which
 *   Socket.IO has read by now; and the stand-in response Engine.IO makes for an upgrade,
 *   which its `close` listener on the connection keeps alive after the upgrade is answered.
 * - The listener Engine.IO adds to a new WebSocket for errors during its upgrade.
 * - Socket.IO's copy of the handshake's headers, query and URL (`socket.handshake`): the
 *   server reads only the handshake's `auth`, when it authenticates the connection. The
 *   handshake keeps `auth`, `address`, `time` and the rest.
 */
export function trimConnection(socket: ChatSocket): void {
  // Socket.IO reads it again only to connect to another namespace, which this server has not.
  Object.assign(socket.conn, { request: undefined });
  Object.assign(socket.handshake, { headers: nothing, query: nothing, url: "" });
  const websocket = websocketOf(socket.conn);
  if (websocket === undefined) return;
  for (const listener of websocket.listeners("error")) {
    if (listener.name === "onUpgradeError") websocket.removeListener("error", listener as Listener);
  }
  const raw = socketOf(websocket);
  if (raw === undefined) return;
  for (const wrapper of raw.rawListeners("close") as Listener[]) {
    // The stand-in's: `socket.once("close", () => this.emit("close"))`.
    if (wrapper.listener !== undefined && String(wrapper.listener) === '() => this.emit("close")') {
      raw.removeListener("close", wrapper);
    }
  }
}
