import { FrameSocket } from "./frame-socket.ts";
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
 * One Socket.IO client (websocket transport only, no compression) on a bare-socket
 * WebSocket: small and cheap enough per message that one process holds thousands of them.
 */
export class EngineClient {
  readonly #socket: FrameSocket;
  readonly #session: EngineSession;

  constructor(options: EngineClientOptions) {
    this.#session = new EngineSession({
      send: (frame) => this.#socket.sendText(frame),
      close: () => this.#socket.close(),
      auth: options.auth,
      onEvent: options.onEvent,
      onConnected: () => options.onConnected(),
      onFailed: options.onFailed,
    });
    this.#socket = new FrameSocket({
      port: options.port,
      path: "/socket.io/?EIO=4&transport=websocket",
      localAddress: options.localAddress,
      onText: (text) => this.#session.receive(text),
      onClose: (reason, code) => this.#session.fail(code === undefined ? `${reason} before connecting` : `closed (${code}) before connecting`),
    });
  }

  /** Acks still awaited: a sender stops sending when too many are. */
  get pendingAcks(): number {
    return this.#session.pendingAcks;
  }

  get open(): boolean {
    return this.#socket.isOpen;
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

  /** Closes with the WebSocket handshake; resolves once the socket is closed, or after 3 s, dropped. */
  close(): Promise<void> {
    if (this.#socket.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#socket.terminate();
        resolve();
      }, 3000);
      this.#socket.onceClosed(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#socket.close();
    });
  }

  terminate(): void {
    this.#socket.terminate();
  }
}
