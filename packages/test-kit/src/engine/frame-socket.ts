import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * Every connection of the process reads into this one buffer (`net.connect`'s `onread`): a
 * read is handed on, or what is left of it copied, before the next read can land. No
 * stream machinery and no buffer per read, which is most of what a client holding ten
 * thousand connections spends when a room's line reaches all of them at once.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Masks for the frames a client sends, four random bytes each, taken from a pool refilled when spent. */
const maskPool = Buffer.allocUnsafe(4 * 1024);
let maskAt = maskPool.length;
function nextMaskAt(): number {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const at = maskAt;
  maskAt += 4;
  return at;
}

const opcodes = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;
const acceptSuffix = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const headEnd = Buffer.from("\r\n\r\n");

/** One client frame, masked: FIN set, a payload of any length. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = nextMaskAt();
  maskPool.copy(frame, headerLength, mask, mask + 4);
  const body = headerLength + 4;
  for (let i = 0; i < length; i++) frame[body + i] = (payload[i] ?? 0) ^ (maskPool[mask + (i & 3)] ?? 0);
  return frame;
}

export interface FrameSocketOptions {
  port: number;
  /** The request path of the upgrade, query included. */
  path: string;
  /** The loopback address the socket binds to. */
  localAddress?: string;
  /** The upgrade was answered 101 with the right accept key. */
  onOpen?(): void;
  /** One whole text message (fragments joined). */
  onText(text: string): void;
  /** The connection failed or closed; called once. `code` is the close frame's status, if one came. */
  onClose(reason: string, code: number | undefined): void;
}

/**
 * A WebSocket client (RFC 6455, no extensions) on a bare TCP socket, for processes that
 * hold thousands of connections: it performs the upgrade and checks the accept key, masks
 * what it sends, joins fragments, answers WebSocket pings and close frames.
 */
export class FrameSocket {
  readonly #socket: Socket;
  readonly #options: FrameSocketOptions;
  readonly #key = randomBytes(16).toString("base64");
  #state: "connecting" | "upgrading" | "open" | "closing" | "closed" = "connecting";
  /** The part of the stream not yet parsed (a frame or response head cut by a read), copied out of the shared buffer. */
  #carry: Buffer | undefined;
  #fragments: Buffer[] | undefined;
  #closeCode: number | undefined;

  constructor(options: FrameSocketOptions) {
    this.#options = options;
    this.#socket = connect({
      port: options.port,
      host: "127.0.0.1",
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      onread: {
        buffer: readBuffer,
        callback: (length: number) => {
          this.#read(length);
          return true;
        },
      },
    });
    this.#socket.setNoDelay(true);
    this.#socket.on("connect", () => {
      this.#state = "upgrading";
      this.#socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#socket.on("error", (error) => this.#closed(error.message));
    this.#socket.on("close", () => this.#closed(this.#state === "open" ? "connection lost" : "closed"));
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  get isClosed(): boolean {
    return this.#state === "closed";
  }

  sendText(text: string): void {
    if (this.#state === "open") this.#socket.write(clientFrame(opcodes.text, Buffer.from(text, "utf8")));
  }

  /** Starts the closing handshake: a close frame (1000), then the socket ends once the server answers. */
  close(): void {
    if (this.#state === "open") {
      this.#state = "closing";
      this.#socket.write(clientFrame(opcodes.close, Buffer.from([0x03, 0xe8])));
    } else if (this.#state !== "closing") {
      this.terminate();
    }
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.#socket.destroy();
  }

  /** Adds a listener for the socket's close (after `onClose`): `close`'s end. */
  onceClosed(listener: () => void): void {
    if (this.#state === "closed") listener();
    else this.#socket.once("close", listener);
  }

  #closed(reason: string): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#socket.destroy();
    this.#options.onClose(reason, this.#closeCode);
  }

  #read(length: number): void {
    let data = readBuffer.subarray(0, length);
    if (this.#carry !== undefined) {
      data = Buffer.concat([this.#carry, data]);
      this.#carry = undefined;
    }
    let at = 0;
    if (this.#state === "upgrading") {
      const end = data.indexOf(headEnd);
      if (end === -1) {
        this.#carry = Buffer.from(data);
        return;
      }
      if (!this.#upgraded(data.toString("latin1", 0, end))) return;
      at = end + headEnd.length;
    }
    while (this.#state === "open" || this.#state === "closing") {
      const available = data.length - at;
      if (available < 2) break;
      const first = data[at] ?? 0;
      const second = data[at + 1] ?? 0;
      let size = second & 0x7f;
      let start = at + 2;
      if (size === 126) {
        if (available < 4) break;
        size = data.readUInt16BE(at + 2);
        start = at + 4;
      } else if (size === 127) {
        if (available < 10) break;
        size = Number(data.readBigUInt64BE(at + 2));
        start = at + 10;
      }
      if ((second & 0x80) !== 0) {
        this.#closed("the server sent a masked frame");
        return;
      }
      if (data.length - start < size) break;
      this.#frame(first, data, start, start + size);
      at = start + size;
    }
    if (at < data.length && this.#state !== "closed") this.#carry = Buffer.from(data.subarray(at));
  }

  #upgraded(head: string): boolean {
    const accept = createHash("sha1").update(this.#key + acceptSuffix).digest("base64");
    if (!head.startsWith("HTTP/1.1 101 ") || !head.toLowerCase().includes(`\r\nsec-websocket-accept: ${accept.toLowerCase()}`)) {
      this.#closed(`upgrade refused: ${head.split("\r\n", 1)[0] ?? ""}`);
      return false;
    }
    this.#state = "open";
    this.#options.onOpen?.();
    return true;
  }

  #frame(first: number, data: Buffer, start: number, end: number): void {
    const opcode = first & 0x0f;
    const fin = (first & 0x80) !== 0;
    switch (opcode) {
      case opcodes.text:
      case opcodes.continuation:
        if (fin && this.#fragments === undefined) {
          if (opcode === opcodes.text) this.#options.onText(data.toString("utf8", start, end));
          return;
        }
        (this.#fragments ??= []).push(Buffer.from(data.subarray(start, end)));
        if (fin) {
          const whole = Buffer.concat(this.#fragments);
          this.#fragments = undefined;
          this.#options.onText(whole.toString("utf8"));
        }
        return;
      case opcodes.ping:
        if (this.#state === "open") this.#socket.write(clientFrame(opcodes.pong, data.subarray(start, end)));
        return;
      case opcodes.close:
        this.#closeCode = end - start >= 2 ? data.readUInt16BE(start) : undefined;
        // Answered with the status it came with (or none), unless this side sent its close first.
        if (this.#state === "open") this.#socket.write(clientFrame(opcodes.close, data.subarray(start, Math.min(end, start + 2))));
        this.#state = "closing";
        this.#socket.end();
        return;
      default:
        // Binary messages and pongs: Engine.IO's text protocol sends neither here.
        return;
    }
  }
}
