import WebSocket from "ws";
import { EngineSession } from "./session.ts";

export interface EngineClientOptions {
  port: number;
  /** The loopback address the socket binds to: each generator has addresses of its own, so ports last. */
  localAddress: string;
  /** The Socket.IO handshake's auth object as JSON, or "" for none. */
  auth: string;
  /** An event frame, whole (`42["name",...]`): the dialect decides whether to parse it. */
  onEvent(frame: string): void;
  /** The Socket.IO connection is up (`40{"sid":...}`). */
  onConnected(): void;
  /** The connection will not be: refused (`44{...}`), failed or closed before it was up. */
  onFailed(reason: string): void;
}

/**
 * One Socket.IO client on the `ws` package's WebSocket (websocket transport only, no
 * compression, no UTF-8 check): small enough that one process holds thousands of them.
 */
export class EngineClient {
  readonly #ws: WebSocket;
  readonly #session: EngineSession;

  constructor(options: EngineClientOptions) {
    this.#ws = new WebSocket(`ws://127.0.0.1:${options.port}/socket.io/?EIO=4&transport=websocket`, {
      localAddress: options.localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    this.#session = new EngineSession({
      send: (frame) => this.#ws.send(frame),
      close: () => this.#ws.close(),
      auth: options.auth,
      onEvent: options.onEvent,
      onConnected: () => options.onConnected(),
      onFailed: options.onFailed,
    });
    this.#ws.on("message", (data: Buffer) => this.#session.receive(data.toString("utf8")));
    this.#ws.on("error", (error) => this.#session.fail(error.message));
    this.#ws.on("close", (code) => this.#session.fail(`closed (${code}) before connecting`));
  }

  /** Acks still awaited: a sender stops sending when too many are. */
  get pendingAcks(): number {
    return this.#session.pendingAcks;
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends an event: `args` is the JSON array `["name",...]`. */
  emit(args: string): void {
    if (this.open) this.#session.emit(args);
  }

  /** Sends an event whose ack comes back as the JSON array of the ack's arguments. */
  emitWithAck(args: string, onAck: (payload: string) => void): void {
    if (this.open) this.#session.emitWithAck(args, onAck);
  }

  /** Forgets the acks still awaited: they will never count. */
  dropAcks(): number {
    return this.#session.dropAcks();
  }

  close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate();
        resolve();
      }, 3000);
      this.#ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.close();
    });
  }

  terminate(): void {
    this.#ws.terminate();
  }
}
