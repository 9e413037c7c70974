/**
 * The client's side of Engine.IO v4 and Socket.IO v5 on one connection, main namespace, text
 * frames, written once for every raw client: the bench's (thousands in one process, so it
 * stays a switch on character codes and allocates nothing per frame it does not hand on)
 * and the tests' (which send what no well-behaved client would). The transport is the
 * caller's: it passes each text frame received to `receive` and sends what `send` is given.
 */
export interface EngineSessionOptions {
  /** Sends one text frame on the transport. */
  send(frame: string): void;
  /** Closes the transport: the server refused the connection. */
  close?(): void;
  /** The Socket.IO handshake's auth object as JSON, or "" for none. */
  auth: string;
  /** Engine.IO's open packet (`0{"sid":...}`), before the namespace connect is sent. */
  onOpen?(frame: string): void;
  /** An event frame, whole (`42["name",...]`): the caller decides whether to parse it. */
  onEvent(frame: string): void;
  /** The Socket.IO connection is up (`40{"sid":...}`). */
  onConnected(frame: string): void;
  /** The connection will not be: refused (`44{...}`), or failed before it was up (see `fail`). */
  onFailed(reason: string): void;
}

export class EngineSession {
  /** Whether Engine.IO pings are answered: a client that stops answering is dropped by the server. */
  answerPings = true;
  readonly #options: EngineSessionOptions;
  #settled = false;
  #nextAckId = 0;
  readonly #acks = new Map<number, (payload: string) => void>();

  constructor(options: EngineSessionOptions) {
    this.#options = options;
  }

  /** Acks still awaited: a sender stops sending when too many are. */
  get pendingAcks(): number {
    return this.#acks.size;
  }

  /** Sends an event: `args` is the JSON array `["name",...]`. */
  emit(args: string): void {
    this.#options.send(`42${args}`);
  }

  /** Sends an event whose ack comes back as the JSON array of the ack's arguments. */
  emitWithAck(args: string, onAck: (payload: string) => void): void {
    const id = this.#nextAckId++;
    this.#acks.set(id, onAck);
    this.#options.send(`42${id}${args}`);
  }

  /** Forgets the acks still awaited: they will never count. */
  dropAcks(): number {
    const dropped = this.#acks.size;
    this.#acks.clear();
    return dropped;
  }

  /** The transport failed or closed: reported once, and only if the connection was not up yet. */
  fail(reason: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#options.onFailed(reason);
  }

  /** One text frame from the server. */
  receive(frame: string): void {
    switch (frame.charCodeAt(0)) {
      case 0x30: // "0": Engine.IO open; the Socket.IO connect request follows
        this.#options.onOpen?.(frame);
        this.#options.send(`40${this.#options.auth}`);
        return;
      case 0x32: // "2": ping
        if (this.answerPings) this.#options.send("3");
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
        this.#options.onConnected(frame);
        return;
      case 0x34: // "4": connect error
        this.fail(`refused: ${frame.slice(2, 200)}`);
        this.#options.close?.();
        return;
      default: // "1": disconnected by the server
    }
  }
}

/** What Engine.IO's open packet (`0{...}`) says about a new session. */
export interface EngineOpen {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

export const parseOpenPacket = (packet: string): EngineOpen => {
  if (!packet.startsWith("0")) throw new Error(`not an Engine.IO open packet: ${JSON.stringify(packet.slice(0, 200))}`);
  const open = JSON.parse(packet.slice(1)) as Partial<EngineOpen>;
  if (typeof open.sid !== "string" || typeof open.maxPayload !== "number") {
    throw new Error(`malformed open packet: ${packet.slice(0, 200)}`);
  }
  return open as EngineOpen;
};
