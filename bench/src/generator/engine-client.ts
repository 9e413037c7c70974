import WebSocket from "ws";

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
 * One Socket.IO client, spoken directly over a WebSocket: Engine.IO v4 and Socket.IO v5 on
 * the websocket transport only, main namespace, text frames. Small enough that one process
 * holds thousands of them.
 */
export class EngineClient {
  readonly #ws: WebSocket;
  readonly #options: EngineClientOptions;
  #settled = false;
  #nextAckId = 0;
  readonly #acks = new Map<number, (payload: string) => void>();

  constructor(options: EngineClientOptions) {
    this.#options = options;
    this.#ws = new WebSocket(`ws://127.0.0.1:${options.port}/socket.io/?EIO=4&transport=websocket`, {
      localAddress: options.localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    this.#ws.on("message", (data: Buffer) => this.#onFrame(data.toString("utf8")));
    this.#ws.on("error", (error) => this.#fail(error.message));
    this.#ws.on("close", (code) => this.#fail(`closed (${code}) before connecting`));
  }

  /** Acks still awaited: a sender stops sending when too many are. */
  get pendingAcks(): number {
    return this.#acks.size;
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends an event: `args` is the JSON array `["name",...]`. */
  emit(args: string): void {
    if (this.open) this.#ws.send(`42${args}`);
  }

  /** Sends an event whose ack comes back as the JSON array of the ack's arguments. */
  emitWithAck(args: string, onAck: (payload: string) => void): void {
    if (!this.open) return;
    const id = this.#nextAckId++;
    this.#acks.set(id, onAck);
    this.#ws.send(`42${id}${args}`);
  }

  /** Forgets the acks still awaited: they will never count. */
  dropAcks(): number {
    const dropped = this.#acks.size;
    this.#acks.clear();
    return dropped;
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

  #fail(reason: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#options.onFailed(reason);
  }

  #onFrame(frame: string): void {
    switch (frame.charCodeAt(0)) {
      case 0x30: // "0": Engine.IO open; the Socket.IO connect request follows
        this.#ws.send(`40${this.#options.auth}`);
        return;
      case 0x32: // "2": ping
        this.#ws.send("3");
        return;
      case 0x34: // "4": a Socket.IO packet
        this.#onPacket(frame);
        return;
      default: // "1" close, "6" noop: nothing to do
    }
  }

  #onPacket(frame: string): void {
    switch (frame.charCodeAt(1)) {
      case 0x32: // "2": event
        this.#options.onEvent(frame);
        return;
      case 0x33: {
        // "3": ack, `43<id>[...]`
        const start = frame.indexOf("[", 2);
        const id = Number(frame.slice(2, start));
        const onAck = this.#acks.get(id);
        if (onAck === undefined) return;
        this.#acks.delete(id);
        onAck(frame.slice(start));
        return;
      }
      case 0x30: // "0": connected
        if (this.#settled) return;
        this.#settled = true;
        this.#options.onConnected();
        return;
      case 0x34: // "4": connect error
        this.#fail(`refused: ${frame.slice(2, 200)}`);
        this.#ws.close();
        return;
      default: // "1": disconnected by the server
    }
  }
}
