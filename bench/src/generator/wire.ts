/**
 * What the orchestrator and its load generators say to each other over the fork's IPC
 * channel. Every command but `exit` carries an `id` that its one reply repeats.
 */

/** Which server a generator's clients speak to: the project's events or the references' one (both speak alike). */
export type Dialect = "project" | "reference" | "streams";

/** A receiver counts what it gets; a sender sends and ignores what it gets; an idle client does neither. */
export type Role = "receiver" | "sender" | "idle";

export interface ClientSpec {
  /** Unique within the run; the user name for the project. */
  name: string;
  role: Role;
  /** The room the client is in: joined with `room:join` (project) or named in the handshake (reference). */
  room?: string;
  /** The server this client connects to (the many-rooms scenario runs two instances). */
  port: number;
}

export interface SendPlan {
  /** Messages per second each sender sends, on a fixed schedule whatever the server does. */
  ratePerSender: number;
  /** When the senders start (clock.ts time, ms). */
  startAt: number;
  /** Messages sent from `windowStart` until `windowEnd` are the ones measured; sending stops at `windowEnd`. */
  windowStart: number;
  windowEnd: number;
  /** Each sender stops after this many messages, when set. */
  messagesPerSender?: number;
}

export type ToGenerator =
  | {
      type: "connect";
      id: number;
      dialect: Dialect;
      clients: ClientSpec[];
      /** Connections opened at once; the rest wait for one of those to settle. */
      concurrency: number;
      /** A client neither connected nor refused by then counts as hanging. */
      timeoutMs: number;
    }
  | { type: "send"; id: number; plan: SendPlan }
  | { type: "progress"; id: number }
  | { type: "report"; id: number }
  | { type: "disconnect"; id: number }
  | { type: "exit" };

export interface Connected {
  type: "connected";
  id: number;
  connected: number;
  failed: number;
  hanging: number;
  /** When the last of this command's clients connected (clock.ts time), null if none did. */
  lastConnectedAt: number | null;
  /** A few of the failures, for the log. */
  errors: string[];
}

export interface Progress {
  type: "progress";
  id: number;
  /** Messages sent in the window that count as sent (acked ok for the project). */
  sent: number;
  /** Sends still waiting for their ack. */
  pending: number;
  /** Messages from the window received by receivers. */
  delivered: number;
  /** Receivers this generator holds. */
  receivers: number;
}

export interface Report extends Omit<Progress, "type"> {
  type: "report";
  /** Messages that fell due in the window, whether they went out or not. */
  due: number;
  /** Deliveries to receivers that arrived during the window, whenever they were sent: what got through per second. */
  arrived: number;
  /** Receivers that got at least one message from the window. */
  receiversReached: number;
  /** Latencies of the window's deliveries in microseconds: hdr-histogram-js, compressed base64. */
  histogram: string;
}

export type FromGenerator =
  | { type: "ready" }
  | Connected
  | { type: "sending"; id: number }
  | Progress
  | Report
  | { type: "disconnected"; id: number }
  | { type: "failed"; id: number; message: string };

/** The reply each command gets. */
export interface Replies {
  connect: Connected;
  send: { type: "sending"; id: number };
  progress: Progress;
  report: Report;
  disconnect: { type: "disconnected"; id: number };
}
