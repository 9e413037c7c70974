import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * The TCP socket under a WebSocket. ws keeps it in a private field, `_socket`, set once the
 * connection is open, and offers no public way to reach it: the write coalescing corks it,
 * and connection trimming finds the upgrade's leftover listener on it.
 */
export const socketOf = (websocket: WebSocket): Duplex | undefined => (websocket as unknown as { _socket?: Duplex })._socket;
