import type { SessionClosing } from "@chat/protocol";
import type { ChatSocket } from "./chat-socket.ts";
import type { Log } from "../logging/log.ts";
import { websocketOf, type EngineConnection } from "../seams/engine-websocket.ts";

/**
 * How long a connection closed for its backlog has to read the notice behind it before it is
 * cut off: a client that was only slow reads it; one that reads nothing is gone then, and
 * what it left unread is freed.
 */
const closeGraceMs = 5_000;

interface Watch {
  socket: ChatSocket;
  maxBytes: number;
  log: Log;
  /** Bytes of the packets in Engine.IO's write buffer, not yet handed to the transport. */
  queued: number;
  closing: boolean;
}

/** Per Engine.IO connection; the listeners below are shared by every connection and find theirs here. */
const watches = new WeakMap<EngineConnection, Watch>();

/** The last packet measured: a broadcast hands every member the same encoded string, measured once. */
let lastData: unknown;
let lastSize = 0;

const sizeOf = (data: unknown): number => {
  if (data === lastData) return lastSize;
  lastData = data;
  lastSize =
    typeof data === "string" ? Buffer.byteLength(data) : ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0;
  return lastSize;
};

/**
 * What waits to be written to a connection is what Engine.IO holds while its transport is
 * busy (a WebSocket whose last frames the kernel has not taken, a long-poll not yet asked
 * for), plus what the WebSocket holds (`bufferedAmount`: its frames not yet taken by the
 * kernel, the turn's corked writes among them).
 */
function onPacketCreate(this: EngineConnection, packet: { data?: unknown }): void {
  const watch = watches.get(this);
  if (watch === undefined || watch.closing) return;
  watch.queued += sizeOf(packet.data);
  const waiting = watch.queued + (websocketOf(this)?.bufferedAmount ?? 0);
  if (waiting <= watch.maxBytes) return;
  watch.closing = true;
  // After this packet is queued: Engine.IO is in the middle of sending it.
  process.nextTick(() => closeBacklogged(watch, waiting));
}

/** Engine.IO hands its whole write buffer to the transport: what waits is the transport's now. */
function onFlush(this: EngineConnection): void {
  const watch = watches.get(this);
  if (watch !== undefined) watch.queued = 0;
}

function closeBacklogged({ socket, maxBytes, log }: Watch, waiting: number): void {
  log.error(
    `closing id: ${socket.id} of user ${socket.data.name}: backlogged, ${waiting} bytes waiting to be sent, over MAX_BUFFERED_BYTES (${maxBytes})`,
  );
  const notice: SessionClosing = {
    code: "backlogged",
    message: `more than ${maxBytes} bytes were waiting to be sent to this connection, which was not reading them; reconnect and catch up`,
  };
  // Behind what waits: a client that reads again reads it last, then the disconnection.
  socket.emit("session:closing", notice);
  const conn = socket.conn;
  socket.disconnect(true);
  setTimeout(() => {
    if (conn.readyState === "closed") return;
    // A WebSocket ends at once, its frames dropped; then Engine.IO lets go of its own buffer.
    websocketOf(conn)?.terminate();
    conn.close(true);
  }, closeGraceMs).unref();
}

/**
 * Bounds what may wait to be written to `socket` to `maxBytes`: past it, the client is not
 * reading what it is sent (or asked for), and the worker would hold it all. It is sent a
 * `session:closing` notice (`backlogged`) and disconnected; if it has not read its way to the
 * end within `closeGraceMs`, it is cut off and its backlog freed. Call on every connection.
 */
export function limitOutput(socket: ChatSocket, maxBytes: number, log: Log): void {
  watches.set(socket.conn, { socket, maxBytes, log, queued: 0, closing: false });
  socket.conn.on("packetCreate", onPacketCreate);
  socket.conn.on("flush", onFlush);
}
