/*
 * Seam: what a connection keeps of its opening, let go of by reaching into Engine.IO.
 * Tied to engine.io 6.6.x (the `onUpgradeError` listener its `onWebSocket` adds, the
 * `WebSocketResponse` stand-in's `close` listener on the TCP socket, `Socket#request`),
 * socket.io 4.8.x (`socket.handshake`, `socket.conn`) and ws 8.x (through `ws-raw-socket.ts`
 * and `engine-websocket.ts`). Canary: test/seams/connection-trim.test.ts.
 */
import type { WebSocket } from "ws";
import type { ChatSocket } from "../app/chat-socket.ts";
import { websocketOf, websocketOfTransport } from "./engine-websocket.ts";
import { socketOf } from "./ws-raw-socket.ts";

/** What the trimmed parts of a connection's handshake are left pointing to: one object for all. */
const nothing = Object.freeze({});

/** A listener `once` wraps keeps the function it wraps here. */
export type Listener = ((...args: unknown[]) => void) & { listener?: (...args: unknown[]) => void };

/** Engine.IO's listener for errors of a new WebSocket during its upgrade, found by its name. */
export const isUpgradeErrorListener = (listener: { name: string }): boolean =>
  listener.name === "onUpgradeError";

/** The stand-in response's: `socket.once("close", () => this.emit("close"))`, found by its source. */
export const isStandInCloseListener = (wrapper: Listener): boolean =>
  wrapper.listener !== undefined && String(wrapper.listener) === '() => this.emit("close")';

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
 *
 * A connection that opened by polling and upgrades later has an upgrade request and a
 * stand-in of its own then: they are let go of on its `upgrade`.
 */
export function trimConnection(socket: ChatSocket): void {
  // Socket.IO reads it again only to connect to another namespace, which this server has not.
  Object.assign(socket.conn, { request: undefined });
  Object.assign(socket.handshake, { headers: nothing, query: nothing, url: "" });
  const websocket = websocketOf(socket.conn);
  if (websocket !== undefined) dropUpgradeLeftovers(websocket);
  else socket.conn.once("upgrade", onUpgrade);
}

/** Shared by every connection that upgrades (Engine.IO calls it on the connection). */
function onUpgrade(transport: unknown): void {
  const websocket = websocketOfTransport(transport);
  if (websocket !== undefined) dropUpgradeLeftovers(websocket);
}

function dropUpgradeLeftovers(websocket: WebSocket): void {
  for (const listener of websocket.listeners("error")) {
    if (isUpgradeErrorListener(listener)) websocket.removeListener("error", listener as Listener);
  }
  const raw = socketOf(websocket);
  if (raw === undefined) return;
  for (const wrapper of raw.rawListeners("close") as Listener[]) {
    if (isStandInCloseListener(wrapper)) raw.removeListener("close", wrapper);
  }
}
