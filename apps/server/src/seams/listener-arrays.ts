/*
 * Seam: a connection's lists of listeners and callbacks, copied to their own length.
 * Tied to Node's EventEmitter (`_events`, an array once an event has two listeners), engine.io
 * 6.6.x (`Socket#cleanupFn`), socket.io 4.8.x (`Socket#_anyListeners`, `#_anyOutgoingListeners`,
 * `socket.client`'s private `decoder`) and socket.io-parser 4.2.x, whose `Decoder` is a
 * @socket.io/component-emitter 3.x (`_callbacks`, `$<event>` arrays). Through
 * `engine-websocket.ts` and `ws-raw-socket.ts`, the ws WebSocket and its TCP socket.
 * Canary: test/seams/listener-arrays.test.ts.
 */
import type { ChatSocket } from "../app/chat-socket.ts";
import { websocketOf, type EngineConnection } from "./engine-websocket.ts";
import { socketOf } from "./ws-raw-socket.ts";

/**
 * V8 grows an array by half again plus 16 slots: a list that had one listener pushed onto it
 * (or a third added to two) holds 17 slots or more, 150 bytes and up, for the one to three
 * it keeps. A copy (`slice`) holds exactly what is in it.
 */
const exactly = (list: unknown): unknown => (Array.isArray(list) ? list.slice() : list);

/** Node's EventEmitter keeps an event's listeners in `_events`: one function, or an array of them. */
export type WithEvents = { _events?: Record<string | symbol, unknown> };
/** What the Socket.IO connection keeps in lists of its own. */
export type SocketLists = { _anyListeners?: unknown; _anyOutgoingListeners?: unknown };
/** The Engine.IO connection's clean-ups of its transport's listeners. */
export type EngineLists = { cleanupFn?: unknown };
/** Socket.IO's packet decoder (a component-emitter): its listeners by `$<event>`. */
export type WithCallbacks = { _callbacks?: Record<string, unknown> };

/** Copies each array of listeners of a Node EventEmitter to its own length. */
export function compactEvents(emitter: object | undefined): void {
  const events = (emitter as WithEvents | undefined)?._events;
  if (events === undefined || events === null) return;
  for (const event of Reflect.ownKeys(events)) {
    if (Array.isArray(events[event])) events[event] = exactly(events[event]);
  }
}

/** The decoder of a Socket.IO connection's client (a private field of socket.io's `Client`). */
export const decoderOf = (socket: ChatSocket): WithCallbacks | undefined =>
  (socket.client as unknown as { decoder?: WithCallbacks }).decoder;

/**
 * Copies every list of listeners a connection holds, from its TCP socket up to Socket.IO's,
 * to its own length: about a kilobyte a connection that its opening's listeners (some added,
 * some taken away again) and the first `push` onto each list leave empty. Call once the
 * connection's own listeners are on, and again after a WebSocket upgrade. Lists that grow
 * later grow as before; nothing is added or taken away.
 */
export function compactListeners(socket: ChatSocket): void {
  const lists = socket as unknown as SocketLists;
  lists._anyListeners = exactly(lists._anyListeners);
  lists._anyOutgoingListeners = exactly(lists._anyOutgoingListeners);
  compactEvents(socket);
  const callbacks = decoderOf(socket)?._callbacks;
  if (callbacks !== undefined) for (const event of Object.keys(callbacks)) callbacks[event] = exactly(callbacks[event]);
  compactEngineListeners(socket.conn);
  // A polling connection gets its WebSocket, and the lists that come with it, on its upgrade.
  if (websocketOf(socket.conn) === undefined) socket.conn.once("upgrade", onUpgrade);
}

/** Shared by every connection that upgrades (Engine.IO calls it on the connection). */
function onUpgrade(this: EngineConnection): void {
  compactEngineListeners(this);
}

/** The Engine.IO connection's lists, its transport's, and, on WebSocket, the WebSocket's and its TCP socket's. */
function compactEngineListeners(conn: EngineConnection): void {
  const lists = conn as unknown as EngineLists;
  lists.cleanupFn = exactly(lists.cleanupFn);
  compactEvents(conn);
  compactEvents(conn.transport);
  const websocket = websocketOf(conn);
  compactEvents(websocket);
  if (websocket !== undefined) compactEvents(socketOf(websocket));
}
