import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/** A WebSocket frame as received: its opcode and (unmasked) payload. */
export interface WsFrame {
  opcode: number;
  data: Buffer;
}

export const WsOpcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/**
 * A WebSocket client over node:net: it performs the upgrade, masks what it sends, parses
 * what it receives, answers WebSocket pings, and can stop reading from the socket altogether.
 */
export class RawWebSocket {
  readonly messages: WsFrame[] = [];
  /** The status code of the server's close frame, if it sent one. */
  closeCode: number | undefined;
  readonly closed: Promise<void>;
  #closed = false;
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragmentOpcode = 0;
  readonly #waiters: { match: (frame: WsFrame) => boolean; resolve: (frame: WsFrame) => void }[] = [];
  readonly #closeWaiters: (() => void)[] = [];
  readonly #listeners = new Set<(message: WsFrame) => void>();

  private constructor(readonly socket: Socket, rest: Buffer) {
    this.closed = new Promise((resolve) => this.#closeWaiters.push(resolve));
    socket.on("data", (chunk: Buffer) => this.#take(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.#closed = true;
      this.#closeWaiters.splice(0).forEach((resolve) => resolve());
    });
    if (rest.length > 0) this.#take(rest);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Connects to `path` and completes the upgrade; rejects if the server does not answer 101. */
  static open(port: number, path: string, timeoutMs = 10_000): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const key = randomBytes(16).toString("base64");
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no upgrade answer for ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        clearTimeout(timer);
        const header = head.subarray(0, end).toString("latin1");
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        if (!/^HTTP\/1\.1 101 /.test(header) || !header.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${head.toString("utf8").slice(0, 300)}`));
          return;
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)));
      };
      socket.on("data", onData);
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once("connect", () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** Sends one frame; `rsv` sets the reserved bits (a protocol violation unless negotiated). */
  sendFrame(
    opcode: number,
    payload: Buffer,
    { fin = true, rsv = 0, masked = true }: { fin?: boolean; rsv?: number; masked?: boolean } = {},
  ): void {
    // A client must mask every frame; `masked: false` breaks that rule on purpose.
    const mask = masked ? randomBytes(4) : Buffer.alloc(4);
    const length = payload.length;
    const header =
      length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f);
    if (length < 126) {
      header[1] = length;
    } else if (length < 65536) {
      header[1] = 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    if (!masked) {
      this.socket.write(Buffer.concat([header, payload]));
      return;
    }
    header[1] = (header[1] ?? 0) | 0x80;
    const body = Buffer.alloc(length);
    for (let i = 0; i < length; i++) body[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.socket.write(Buffer.concat([header, mask, body]));
  }

  sendText(text: string): void {
    this.sendFrame(WsOpcode.text, Buffer.from(text, "utf8"));
  }

  sendBinary(data: Buffer): void {
    this.sendFrame(WsOpcode.binary, data);
  }

  /** The first message (text or binary, already received or still to come) that `match` accepts. */
  next(match: (frame: WsFrame) => boolean, timeoutMs = 10_000): Promise<WsFrame> {
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching WebSocket message within ${timeoutMs} ms (closed: ${this.#closed})`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (frame: WsFrame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Calls `listener` with every message received from now on (`messages` holds the earlier ones). */
  onMessage(listener: (message: WsFrame) => void): void {
    this.#listeners.add(listener);
  }

  /** Resolves true once the server has closed the connection, false if it is still open after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  /** Stops reading from the socket: the kernel's buffers fill and the server has to hold the rest. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #take(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const frame = this.#parseOne();
      if (frame === undefined) return;
      this.#onFrame(frame);
    }
  }

  #parseOne(): { fin: boolean; opcode: number; data: Buffer } | undefined {
    const buffer = this.#buffer;
    if (buffer.length < 2) return undefined;
    const first = buffer[0] ?? 0;
    const second = buffer[1] ?? 0;
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    const masked = (second & 0x80) !== 0;
    const maskOffset = offset;
    if (masked) offset += 4;
    if (buffer.length < offset + length) return undefined;
    let data = Buffer.from(buffer.subarray(offset, offset + length));
    if (masked) {
      const mask = buffer.subarray(maskOffset, maskOffset + 4);
      data = Buffer.from(data.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
    }
    this.#buffer = buffer.subarray(offset + length);
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, data };
  }

  #onFrame({ fin, opcode, data }: { fin: boolean; opcode: number; data: Buffer }): void {
    if (opcode === WsOpcode.ping) {
      if (!this.socket.destroyed) this.sendFrame(WsOpcode.pong, data);
      return;
    }
    if (opcode === WsOpcode.pong) return;
    if (opcode === WsOpcode.close) {
      // As every client does: answer the close frame, after which the server ends the TCP connection.
      this.closeCode = data.length >= 2 ? data.readUInt16BE(0) : 1005;
      if (!this.socket.destroyed) this.sendFrame(WsOpcode.close, data.subarray(0, 2));
      return;
    }
    if (opcode !== WsOpcode.continuation) {
      this.#fragmentOpcode = opcode;
      this.#fragments = [];
    }
    this.#fragments.push(data);
    if (!fin) return;
    const message = { opcode: this.#fragmentOpcode, data: Buffer.concat(this.#fragments) };
    this.#fragments = [];
    this.messages.push(message);
    for (const listener of this.#listeners) listener(message);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(message)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }
}

export const isText = (frame: WsFrame): boolean => frame.opcode === WsOpcode.text;
export const textOf = (frame: WsFrame): string => frame.data.toString("utf8");

