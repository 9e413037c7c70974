/*
 * Seam: the ws WebSocket under an Engine.IO connection, read from its transport's private field.
 * Tied to engine.io 6.6.x (the WebSocket transport keeps its ws WebSocket in `socket`; via
 * socket.io 4.8.x, `socket.conn`) and ws 8.x (`bufferedAmount`, `terminate`).
 * Canary: test/seams/engine-websocket.test.ts.
 */
import type { WebSocket } from "ws";
import type { ChatSocket } from "../app/chat-socket.ts";

/** An Engine.IO connection, as Socket.IO hands it out (`socket.conn`). */
export type EngineConnection = ChatSocket["conn"];

/**
 * The ws WebSocket a transport runs on: engine.io keeps it in its WebSocket transport's
 * private field `socket`; undefined on another transport (long-polling).
 */
export const websocketOfTransport = (transport: unknown): WebSocket | undefined => {
  const { name, socket } = transport as { name?: unknown; socket?: WebSocket };
  return name === "websocket" ? socket : undefined;
};

/**
 * The ws WebSocket under an Engine.IO connection on the WebSocket transport; undefined on
 * another transport. Connection trimming finds the upgrade's leftover listener on it, and
 * the output limit reads what waits in it (`bufferedAmount`) and ends it (`terminate`).
 */
export const websocketOf = (conn: EngineConnection): WebSocket | undefined => websocketOfTransport(conn.transport);
