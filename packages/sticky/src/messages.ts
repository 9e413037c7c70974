/**
 * What the primary and its workers say to each other over the cluster's IPC channel. Every
 * type starts with `sticky:` so that both sides can tell these apart from the application's
 * own messages on the same channel.
 */

/** What the primary knows of the client's TCP connection, for a worker that only sees relayed bytes. */
export interface SocketInfo {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

/** Bytes on the wire; the cluster's default "json" serialization turns a Buffer into this. */
export type WireBytes = Buffer | { type: "Buffer"; data: number[] };

export type PrimaryMessage =
  /** The connection's handle comes with it; `data` is what the primary read of it. */
  | { type: "sticky:connection"; data: WireBytes }
  /** A request with a body: the primary keeps the connection and relays its bytes. */
  | { type: "sticky:http-chunk-start"; data: WireBytes; connectionId: string; socketInfo: SocketInfo }
  | { type: "sticky:http-chunk"; data: WireBytes; connectionId: string }
  /** The client closed a relayed connection. */
  | { type: "sticky:abort"; connectionId: string };

export type WorkerMessage =
  /** The worker has called setupWorker: connections handed to it now are served. */
  | { type: "sticky:ready"; data: { handoffAck?: "internal" } }
  /** The worker got the last connection's handle: the primary may pass the next one. */
  | { type: "sticky:received" }
  /** A session opened on the worker: requests carrying this id go to it. */
  | { type: "sticky:connection"; data: string }
  | { type: "sticky:disconnection"; data: string }
  /** Sessions opened and closed over WebSocket since the last report, counted, not named. */
  | { type: "sticky:sessions"; data: { opened: number; closed: number } }
  /** The answer to a relayed request, written to the client by the primary. */
  | { type: "sticky:http-response"; data: WireBytes; connectionId: string }
  | { type: "sticky:http-response-end"; connectionId: string }
  | { type: "sticky:http-response-destroy"; connectionId: string; error?: string };

const isSticky = (message: unknown): message is { type: string } =>
  typeof message === "object" &&
  message !== null &&
  typeof (message as { type?: unknown }).type === "string" &&
  (message as { type: string }).type.startsWith("sticky:");

/** Only our own peer sends `sticky:` messages on this channel, so the type tag is trusted. */
export const isWorkerMessage = (message: unknown): message is WorkerMessage => isSticky(message);
export const isPrimaryMessage = (message: unknown): message is PrimaryMessage => isSticky(message);

export const toBuffer = (data: WireBytes): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.data));
