import type { WebSocket } from "ws";
import type { ChatSocket } from "../app/chat-socket.ts";

/** An Engine.IO connection, as Socket.IO hands it out (`socket.conn`). */
export type EngineConnection = ChatSocket["conn"];

/**
 * The ws WebSocket under an Engine.IO connection on the WebSocket transport; undefined on
 * another transport (long-polling). engine.io 6.x keeps it in its transport's private field
 * `socket`: connection trimming finds the upgrade's leftover listener on it, and the output
 * limit reads what waits in it (`bufferedAmount`) and ends it (`terminate`).
 */
export const websocketOf = (conn: EngineConnection): WebSocket | undefined =>
  conn.transport.name === "websocket" ? (conn.transport as unknown as { socket?: WebSocket }).socket : undefined;
