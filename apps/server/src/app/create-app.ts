import type { Server as HttpServer } from "node:http";
import { defaultRoom, fail, isClientEventName, type ClientEventName } from "@chat/protocol";
import { Server, type ServerOptions } from "socket.io";
import type { ConnectionMiddleware } from "../auth/authenticate.ts";
import type { ChatDeps } from "./chat-deps.ts";
import type { ChatServer, ChatSocket } from "./chat-socket.ts";
import { defineHandler, splitAck, whoIs, withinEventLimit, type HandlerContext } from "../handlers/define-handler.ts";
import { createActions } from "../handlers/index.ts";
import { leaveRoom } from "../handlers/room-leave.ts";
import { limitConnections } from "../limits/connection-limit.ts";
import { sweepEveryMs } from "../limits/token-bucket.ts";
import { limitUserConnections } from "../limits/user-connection-limit.ts";
import { createRefusalLog } from "../logging/refusal-log.ts";
import { limitOutput } from "./output-limit.ts";
import { RefusedConnection } from "../auth/refused-connection.ts";
import { trustHandshakeName } from "../auth/trust.ts";
import { InFlight } from "./in-flight.ts";
import { countingAcks, noMetrics } from "../ops/metrics.ts";
import { keepPresence } from "../presence/keeper.ts";
import { announced } from "../presence/notices.ts";
import { trimConnection } from "../seams/connection-trim.ts";
import { compactListeners } from "../seams/listener-arrays.ts";
import { chatRoomsOf, roomOf, userRoomOf } from "./rooms.ts";
import { holdUpgradeWrites, TurnWebSocketServer } from "./turn-writes.ts";
import { onlineScope } from "../presence/presence-store.ts";

export interface ChatApp {
  io: ChatServer;
  close(): Promise<void>;
}

export interface ChatAppOptions {
  /** The adapter that joins this process to the others (Redis); unset, the in-memory one. */
  adapter?: ServerOptions["adapter"];
  /** How long closing waits for requests under way to be answered. */
  drainTimeoutMs?: number;
  /** Who the user is (or a refusal): see `auth/access.ts`; unset, the handshake's name (trust mode). */
  authenticate?: ConnectionMiddleware;
  /** Socket.IO's CORS setting (see `auth/access.ts`); unset, no CORS headers. */
  cors?: ServerOptions["cors"];
  /** Largest packet a client may send, in bytes (Socket.IO's `maxHttpBufferSize`); a larger one closes its connection. */
  maxPayloadBytes?: number;
  /** Connections this process holds before it refuses new handshakes with `unavailable`; unset, no limit. */
  maxConnections?: number;
  /** Connections one user holds, over every process, before their next handshake is refused; unset, no limit. */
  maxUserConnections?: number;
  /** Bytes that may wait to be written to one connection before it is closed (`app/output-limit.ts`); unset, no limit. */
  maxBufferedBytes?: number;
  /** Engine.IO's heartbeat: how often each connection is pinged, and how long it has to answer; unset, Engine.IO's defaults. */
  heartbeat?: Pick<ServerOptions, "pingInterval" | "pingTimeout">;
}

/**
 * The Socket.IO server with every chat event wired; start-up and shutdown in one place.
 * `deps` may be a function of the server, for stores that deliver through it.
 */
export function createChatApp(
  httpServer: HttpServer,
  makeDeps: ChatDeps | ((io: ChatServer) => ChatDeps),
  {
    adapter,
    drainTimeoutMs = 5_000,
    authenticate: identify = trustHandshakeName,
    cors,
    maxPayloadBytes,
    maxConnections,
    maxUserConnections,
    maxBufferedBytes,
    heartbeat,
  }: ChatAppOptions = {},
): ChatApp {
  const io: ChatServer = new Server(httpServer, {
    wsEngine: TurnWebSocketServer,
    ...(adapter === undefined ? {} : { adapter }),
    ...(cors === undefined ? {} : { cors }),
    ...(maxPayloadBytes === undefined ? {} : { maxHttpBufferSize: maxPayloadBytes }),
    ...heartbeat,
  });
  holdUpgradeWrites(httpServer);
  const deps = typeof makeDeps === "function" ? makeDeps(io) : makeDeps;
  const { log, presence, metrics = noMetrics } = deps;
  const actions = createActions(deps);
  const events = Object.keys(actions) as ClientEventName[];
  const inFlight = new InFlight();
  const context: HandlerContext = {
    log,
    inFlight,
    metrics,
    eventLimiter: deps.eventLimiter,
    refusals: createRefusalLog(log, { what: "events" }),
  };
  const handlers = new Map(events.map((event) => [event, defineHandler(event, actions[event], context)] as const));
  const handshakeRefusals = createRefusalLog(log, { what: "handshakes" });
  const stopPresence = keepPresence(io, presence, log);
  // Quiet connections' rate buckets go even when no event comes to sweep them on its way.
  const bucketSweeper = setInterval(() => {
    deps.limiter.sweep();
    deps.eventLimiter.sweep();
  }, sweepEveryMs);
  bucketSweeper.unref();

  /** Presence is best effort at the edges: a failure is logged, and expiry mends it later. */
  const bestEffort = (what: string, work: Promise<unknown>) =>
    work.catch((error: unknown) => log.error(`could not ${what}`, error));

  /** A middleware whose refusals are counted and logged (a few lines a window: bad tokens come in floods too). */
  const observed =
    (middleware: (socket: ChatSocket, next: (error?: Error) => void) => void) =>
    (socket: ChatSocket, next: (error?: Error) => void): void =>
      middleware(socket, (error) => {
        if (error instanceof RefusedConnection) {
          metrics.handshakeRefused(error.reason);
          const from = socket.handshake.address || "an unknown address";
          // One tally a reason: a flood of one kind (bad tokens) does not hide another (a user's connections).
          handshakeRefusals.refused(`${from} for ${error.reason}`, `refused handshake from ${from}: ${error.reason}: ${error.message}`);
        }
        next(error);
      });

  let draining = false;
  io.use(
    observed((_socket, next) =>
      next(
        draining
          ? new RefusedConnection({ code: "unavailable", message: "the server is shutting down; reconnect" }, "shutting_down")
          : undefined,
      ),
    ),
  );
  io.use(observed(identify));
  // Late, so that they count only what nothing else refuses, as close as can be to the connection itself.
  if (maxConnections !== undefined) io.use(observed(limitConnections(maxConnections, log)));
  // Last: it takes the connection's place among its user's, which nothing may refuse after.
  if (maxUserConnections !== undefined) io.use(observed(limitUserConnections(maxUserConnections, presence, log)));
  /*
   * The listeners below are shared by every connection, which they find in `this` (Socket.IO
   * calls each on its socket): a connection holds no closure of its own, only the slots that
   * point to them. Ten thousand idle connections are that much lighter.
   */
  /** Every event a client sends: a protocol event goes to its handler, anything else is refused. */
  function onEvent(this: ChatSocket, event: unknown, ...raw: unknown[]): void {
    const handler = typeof event === "string" && isClientEventName(event) ? handlers.get(event) : undefined;
    if (handler !== undefined) {
      void handler(this)(...raw);
      return;
    }
    const { ack: reply } = splitAck(raw);
    const ack = reply && countingAcks(metrics, reply);
    const name = String(event);
    void inFlight.track(async () => {
      // Unknown events count against the limits too: a flood of them is a flood.
      if (!(await withinEventLimit(context, this, "an unknown event", ack).catch(() => true))) return;
      metrics.eventRefused("unknown_event");
      if (ack === undefined) metrics.dropped("unknown_event");
      context.refusals.refused(whoIs(this), `refused unknown event ${JSON.stringify(name).slice(0, 80)} from id: ${this.id}`);
      ack?.(fail("unknown_event", `unknown event ${name.slice(0, 64)}`));
    });
  }
  /** Every packet sent to one connection, counted by the metrics (chat lines delivered). */
  function onSent(event: string, ...args: unknown[]): void {
    metrics.delivered(event, args);
  }
  function onDisconnecting(this: ChatSocket): void {
    // The rooms are still known here; by "disconnect" they are gone.
    const rooms = chatRoomsOf(this.rooms);
    const session = { user: this.data.name, socketId: this.id };
    // Offline first: whoever hears of the departure from a room finds the user gone from the
    // service too. The rooms' departures then go together (see RedisPresenceStore).
    void inFlight.track(() =>
      bestEffort("record departure", (async () => {
        await Promise.all([presence.leave({ scope: onlineScope, ...session }), ...rooms.map((room) => leaveRoom(deps, this, room))]);
      })()),
    );
  }
  function onDisconnect(this: ChatSocket): void {
    metrics.disconnected();
    log.info(`disconnected, id: ${this.id}`);
  }

  io.on("connection", (socket: ChatSocket) => {
    trimConnection(socket);
    if (maxBufferedBytes !== undefined) limitOutput(socket, maxBufferedBytes, log);
    const user = socket.data.name;
    log.info(`connected, id: ${socket.id}`);
    metrics.connected();
    socket.onAny(onEvent);
    socket.onAnyOutgoing(onSent);
    socket.on("disconnecting", onDisconnecting);
    socket.on("disconnect", onDisconnect);
    // Last of the listeners: the lists that hold them, and the opening's, at their own length.
    compactListeners(socket);
    void socket.join([roomOf(defaultRoom), userRoomOf(user)]);
    // Both at once: one round trip. Redis runs them in order, as it would one after the other.
    const session = { user, socketId: socket.id };
    void bestEffort("record presence", (async () => {
      // The whole service (`online`) is no room: only the lobby may hear of the arrival.
      const [, inLobby] = await Promise.all([
        presence.enter({ scope: onlineScope, ...session }),
        presence.enter({ scope: roomOf(defaultRoom), ...session }),
      ]);
      if (announced(inLobby, "arrival")) socket.to(roomOf(defaultRoom)).emit("presence:joined", { room: defaultRoom, user });
    })());
  });

  return {
    io,
    /**
     * Drains: refuses new connections, lets the requests under way be answered, then
     * disconnects every client, which reconnects (to another worker or host).
     */
    close: async () => {
      draining = true;
      if (!(await inFlight.idle(drainTimeoutMs))) log.error(`requests still unanswered after ${drainTimeoutMs} ms`);
      stopPresence();
      clearInterval(bucketSweeper);
      io.local.disconnectSockets();
      // Closing the server would discard the disconnect packets still being written: give
      // the clients a moment to receive them and hang up.
      for (const deadline = Date.now() + 1000; io.engine.clientsCount > 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      // The departures just recorded tell the other users; let them reach Redis.
      await inFlight.idle(drainTimeoutMs);
    },
  };
}
