import { clientEvents, ErrorCode, type Ack, type ClientEventName } from "@chat/protocol";
import { collectDefaultMetrics, Counter, Gauge, type Registry } from "prom-client";
import { handshakeRefusalReasons, type HandshakeRefusalReason } from "../auth/refused-connection.ts";

/** Why an event was refused before any handler ran: closed, so that no client can make a series. */
export const eventRefusalReasons = ["rate_limited", "no_ack", "invalid_payload", "unknown_event"] as const;
export type EventRefusalReason = (typeof eventRefusalReasons)[number];

/**
 * What the chat counts, as the app and the handlers see it: a few calls at the points where
 * things happen. `noMetrics` counts nothing (for an app built without metrics).
 */
export interface ChatMetrics {
  /** A socket completed its handshake. */
  connected(): void;
  /** A connected socket went away. */
  disconnected(): void;
  /** A protocol event reached its handler. */
  received(event: ClientEventName): void;
  /** A request was answered with `ack`. */
  answered(ack: Ack<unknown>): void;
  /** A request failed with nothing to carry the error back: `code` is the protocol's, or `no_ack`. */
  dropped(code: ErrorCode | "no_ack"): void;
  /** `event`, with `args`, was sent to one socket of this process. */
  delivered(event: string, args: readonly unknown[]): void;
  /** An event was refused before its handler ran (over a limit, malformed, unknown). */
  eventRefused(reason: EventRefusalReason): void;
  /** A handshake was refused. */
  handshakeRefused(reason: HandshakeRefusalReason): void;
}

export const noMetrics: ChatMetrics = {
  connected: () => {},
  disconnected: () => {},
  received: () => {},
  answered: () => {},
  dropped: () => {},
  delivered: () => {},
  eventRefused: () => {},
  handshakeRefused: () => {},
};

/** The server-to-client events that carry chat lines: the ones `chat_messages_out_total` counts. */
export const deliveredEvents = ["message:new", "message:batch", "dm:new"] as const;
const isDeliveredEvent = (event: string): event is (typeof deliveredEvents)[number] =>
  (deliveredEvents as readonly string[]).includes(event);

/** How many chat lines one delivered event carries: a batch its messages, the others one. */
const linesIn = (event: (typeof deliveredEvents)[number], args: readonly unknown[]): number => {
  const [batch] = args;
  return event === "message:batch" && Array.isArray(batch) ? batch.length : 1;
};

/**
 * The chat's metrics in `registry`, every labelled series present from the start (at 0), so
 * that a rate over them never begins with a gap. Label values come from closed sets only
 * (protocol events and error codes): nothing a client sends can create a series.
 */
export function createChatMetrics(registry: Registry): ChatMetrics {
  const registers = [registry];
  const connections = new Gauge({
    name: "chat_connections",
    help: "Socket.IO connections open (summed over the workers).",
    registers,
  });
  const messagesIn = new Counter({
    name: "chat_messages_in_total",
    help: "Protocol events received from clients, by event.",
    labelNames: ["event"] as const,
    registers,
  });
  /**
   * Lines delivered since the last scrape, by event. A broadcast to a room of ten thousand
   * counts ten thousand deliveries in one turn: plain additions here, handed to the counter
   * when it is read, cost a fraction of a labelled increment each.
   */
  const deliveredSinceScrape = new Map<(typeof deliveredEvents)[number], number>(deliveredEvents.map((event) => [event, 0]));
  const messagesOut = new Counter({
    name: "chat_messages_out_total",
    help: "Chat lines delivered to connected sockets, one per receiving socket, by event (message:new, message:batch: each line of a batch, dm:new).",
    labelNames: ["event"] as const,
    registers,
    collect() {
      for (const [event, lines] of deliveredSinceScrape) {
        if (lines === 0) continue;
        this.inc({ event }, lines);
        deliveredSinceScrape.set(event, 0);
      }
    },
  });
  const acks = new Counter({
    name: "chat_acks_total",
    help: 'Acknowledgements sent, by result: "ok" or the error code.',
    labelNames: ["result"] as const,
    registers,
  });
  const errors = new Counter({
    name: "chat_errors_total",
    help: 'Requests refused or failed, by error code, acknowledged or not ("no_ack": dropped for want of an acknowledgement callback).',
    labelNames: ["code"] as const,
    registers,
  });

  const eventsRefused = new Counter({
    name: "chat_events_refused_total",
    help: "Client events refused before any handler ran, by reason (rate_limited, no_ack, invalid_payload, unknown_event).",
    labelNames: ["reason"] as const,
    registers,
  });
  const handshakesRefused = new Counter({
    name: "chat_handshakes_refused_total",
    help: "Socket.IO handshakes refused, by reason (bad tokens, too many connections, shutting down, ...).",
    labelNames: ["reason"] as const,
    registers,
  });

  for (const reason of eventRefusalReasons) eventsRefused.inc({ reason }, 0);
  for (const reason of handshakeRefusalReasons) handshakesRefused.inc({ reason }, 0);
  for (const event of Object.keys(clientEvents)) messagesIn.inc({ event }, 0);
  for (const event of deliveredEvents) messagesOut.inc({ event }, 0);
  acks.inc({ result: "ok" }, 0);
  for (const code of [...ErrorCode.options, "no_ack"]) {
    errors.inc({ code }, 0);
    if (code !== "no_ack") acks.inc({ result: code }, 0);
  }

  return {
    connected: () => connections.inc(),
    disconnected: () => connections.dec(),
    received: (event) => messagesIn.inc({ event }),
    answered: (ack) => {
      acks.inc({ result: ack.ok ? "ok" : ack.error.code });
      if (!ack.ok) errors.inc({ code: ack.error.code });
    },
    dropped: (code) => errors.inc({ code }),
    delivered: (event, args) => {
      if (isDeliveredEvent(event)) deliveredSinceScrape.set(event, (deliveredSinceScrape.get(event) ?? 0) + linesIn(event, args));
    },
    eventRefused: (reason) => eventsRefused.inc({ reason }),
    handshakeRefused: (reason) => handshakesRefused.inc({ reason }),
  };
}

/** A Redis connection whose state `chat_redis_up` reports. */
export interface WatchedRedisClient {
  role: string;
  isReady(): boolean;
}

/** `chat_redis_up{role}`: read at each scrape, so it is never stale. */
export function watchRedis(registry: Registry, clients: readonly WatchedRedisClient[]): void {
  new Gauge({
    name: "chat_redis_up",
    help: "1 while the Redis connection of this role is ready, else 0; over the workers, the lowest (0 when any worker's is down).",
    labelNames: ["role"] as const,
    aggregator: "min",
    registers: [registry],
    collect() {
      for (const client of clients) this.set({ role: client.role }, client.isReady() ? 1 : 0);
    },
  });
}

/** The chat's metrics and Node's default ones (event-loop lag, memory, CPU) in `registry`. */
export function createProcessMetrics(registry: Registry): ChatMetrics {
  collectDefaultMetrics({ register: registry });
  return createChatMetrics(registry);
}

/** `callback`, counting each acknowledgement it sends in `metrics`. */
export const countingAcks =
  <A extends Ack<unknown>>(metrics: ChatMetrics, callback: (ack: A) => void) =>
  (ack: A): void => {
    metrics.answered(ack);
    callback(ack);
  };
