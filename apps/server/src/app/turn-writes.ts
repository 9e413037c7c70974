import type { Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type ServerOptions } from "ws";
import { socketOf } from "../seams/ws-raw-socket.ts";

/**
 * What is written to one connection within a turn of the event loop leaves in one system
 * call, at the end of the turn, instead of one call a frame. A turn often writes several
 * frames to one client: the WebSocket upgrade's `101` response and the Engine.IO open
 * packet; the chat lines and notices one batch of Redis messages brings; an ack and a
 * line. On a busy server these calls are most of a worker's time.
 */
const held = new Set<Duplex>();
let releasing = false;

const release = () => {
  releasing = false;
  for (const socket of held) socket.uncork();
  held.clear();
};

/** Holds what is written to `socket` until the end of this turn of the event loop. */
export function holdForTurn(socket: Duplex): void {
  if (held.has(socket) || typeof socket.cork !== "function") return;
  socket.cork();
  held.add(socket);
  if (!releasing) {
    releasing = true;
    setImmediate(release);
  }
}

type Data = Parameters<WebSocket["send"]>[0];
type SendOptions = Exclude<Parameters<WebSocket["send"]>[1], ((error?: Error) => void) | undefined>;
type Sent = (error?: Error) => void;

/** A WebSocket whose frames sent within one turn leave together. */
class TurnWebSocket extends WebSocket {
  override send(data: Data, cb?: Sent): void;
  override send(data: Data, options: SendOptions, cb?: Sent): void;
  override send(data: Data, optionsOrCb?: SendOptions | Sent, cb?: Sent): void {
    const socket = socketOf(this);
    if (socket !== undefined) holdForTurn(socket);
    if (typeof optionsOrCb === "object") super.send(data, optionsOrCb, cb);
    else super.send(data, optionsOrCb);
  }
}

/**
 * The WebSocket server Engine.IO runs (its `wsEngine` option): ws's own, making
 * `TurnWebSocket`s.
 */
export class TurnWebSocketServer extends WebSocketServer {
  constructor(options?: ServerOptions, callback?: () => void) {
    super({ ...options, WebSocket: TurnWebSocket }, callback);
  }
}

/**
 * Holds the writes of each upgraded connection from the start: the `101` response is
 * written before the WebSocket exists. Registered ahead of Socket.IO's own upgrade listener.
 */
export function holdUpgradeWrites(httpServer: HttpServer): void {
  httpServer.prependListener("upgrade", (_request, socket: Duplex) => holdForTurn(socket));
}
