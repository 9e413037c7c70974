/*
 * Seam: the TCP socket under a ws WebSocket, read from ws's private field.
 * Tied to ws 8.x (`WebSocket#_socket`, set by `setSocket` once the connection is open; the
 * same ws Engine.IO 6.6 runs, as our `wsEngine`). Canary: test/seams/ws-raw-socket.test.ts.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * The TCP socket under a WebSocket. ws keeps it in a private field, `_socket`, set once the
 * connection is open, and offers no public way to reach it: the write coalescing corks it,
 * and connection trimming finds the upgrade's leftover listener on it.
 */
export const socketOf = (websocket: WebSocket): Duplex | undefined => (websocket as unknown as { _socket?: Duplex })._socket;
