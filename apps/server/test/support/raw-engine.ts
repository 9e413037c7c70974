import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";

/**
 * Engine.IO and HTTP below the Socket.IO client: plain HTTP requests, raw TCP bytes and a
 * minimal WebSocket client written on node:net, for tests that send what no well-behaved
 * client would (malformed frames, oversized packets, garbage, a reader that stops reading).
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request on a connection of its own (no keep-alive agent). */
export function rawHttp(
  port: number,
  { method = "GET", path, headers = {}, body }: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 15_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path.slice(0, 80)}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
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

export const pollingPath = (sid?: string) =>
  `/socket.io/?EIO=4&transport=polling${sid === undefined ? "" : `&sid=${encodeURIComponent(sid)}`}`;

/** Opens a long-polling Engine.IO session and returns what its open packet says. */
export async function pollingHandshake(port: number): Promise<EngineOpen> {
  const response = await rawHttp(port, { path: pollingPath() });
  if (response.status !== 200) throw new Error(`handshake answered ${response.status}: ${response.body.toString()}`);
  return parseOpenPacket(response.body.toString("utf8"));
}

/** The packets of one long-polling response body (Engine.IO v4 separates them with U+001E). */
export const pollingPackets = (body: Buffer): string[] => body.toString("utf8").split("\x1e");

/** A Socket.IO session over long-polling, driven by hand. */
export interface PollingChat {
  readonly sid: string;
  /** The Socket.IO socket id of the namespace connection (what the worker logs). */
  readonly socketId: string;
  readonly open: EngineOpen;
  post(body: Buffer | string, headers?: Record<string, string>): Promise<RawResponse>;
  /** One GET: the packets the server had for this session (waits up to pingInterval if it had none). */
  poll(): Promise<{ status: number; packets: string[] }>;
}

/** A long-polling session connected to the main namespace as `name`. */
export async function openPollingChat(port: number, name: string): Promise<PollingChat> {
  const open = await pollingHandshake(port);
  const chat: Omit<PollingChat, "socketId"> = {
    sid: open.sid,
    open,
    post: (body, headers = { "Content-Type": "text/plain;charset=UTF-8" }) =>
      rawHttp(port, { method: "POST", path: pollingPath(open.sid), headers, body }),
    poll: async () => {
      const response = await rawHttp(port, { path: pollingPath(open.sid) }, 40_000);
      return { status: response.status, packets: response.status === 200 ? pollingPackets(response.body) : [] };
    },
  };
  const posted = await chat.post(`40${JSON.stringify({ name })}`);
  if (posted.status !== 200) throw new Error(`namespace connect answered ${posted.status}`);
  const { packets } = await chat.poll();
  const connected = packets.find((packet) => packet.startsWith("40{"));
  if (connected === undefined) throw new Error(`namespace connect not acknowledged: ${JSON.stringify(packets)}`);
  const { sid: socketId } = JSON.parse(connected.slice(2)) as { sid: string };
  return { ...chat, socketId };
}

/** What happened to a TCP connection that was sent some bytes. */
export interface TcpOutcome {
  /** Everything the server sent back. */
  received: Buffer;
  /** Whether the server closed (or reset) the connection before the time was up. */
  closedByServer: boolean;
  /** The socket error, if the connection was reset. */
  error: string | undefined;
}

/**
 * Opens a TCP connection, writes `chunks` (waiting `gapMs` between them; then half-closes it
 * if `end`), then waits up to `waitMs` for the server to close it; closes it from this side
 * if the server did not.
 */
export function tcpExchange(port: number, chunks: Buffer[], { gapMs = 0, waitMs = 5_000, end = false } = {}): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let error: string | undefined;
    let done = false;
    let waitTimer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(waitTimer);
      socket.destroy();
      resolve({ received: Buffer.concat(received), closedByServer, error });
    };
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", (cause: Error) => {
      error = cause.message;
    });
    socket.on("close", () => finish(true));
    socket.on("end", () => finish(true));
    socket.once("connect", () => {
      void (async () => {
        for (const [index, chunk] of chunks.entries()) {
          if (done || socket.destroyed) return;
          socket.write(chunk);
          if (gapMs > 0 && index < chunks.length - 1) await new Promise((r) => setTimeout(r, gapMs));
        }
        if (end && !socket.destroyed) socket.end();
        waitTimer = setTimeout(() => finish(false), waitMs);
      })();
    });
  });
}

/**
 * Opens `count` TCP connections, and once all are up writes `request` on every one of them in
 * the same tick: a burst as the server sees one. Resolves with what each received before
 * the server closed it (or `waitMs` passed).
 */
export async function simultaneousRequests(port: number, request: Buffer, count: number, waitMs = 30_000): Promise<Buffer[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, "127.0.0.1", () => resolve(socket));
          socket.once("error", reject);
        }),
    ),
  );
  const answers = sockets.map(
    (socket) =>
      new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => socket.destroy(), waitMs);
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
      }),
  );
  for (const socket of sockets) socket.write(request);
  return Promise.all(answers);
}

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

/** A Socket.IO session over a raw WebSocket, past the Engine.IO open and the namespace connect. */
export interface RawChat {
  readonly ws: RawWebSocket;
  readonly open: EngineOpen;
  /** Sends a Socket.IO event with an ack id and resolves with the ack's arguments. */
  request(event: string, args: unknown[], timeoutMs?: number): Promise<unknown[]>;
  /** The data of every `event` pushed so far; for `message:new`, also each message of every `message:batch`, in order. */
  events(event: string): unknown[];
  /** Whether Engine.IO pings are answered (on by default). */
  answerPings: boolean;
}

/** Connects straight over WebSocket (`transport=websocket`) as user `name`. */
export async function openRawChat(port: number, name: string): Promise<RawChat> {
  const ws = await RawWebSocket.open(port, "/socket.io/?EIO=4&transport=websocket");
  const openFrame = await ws.next(isText);
  const open = parseOpenPacket(textOf(openFrame));
  let nextId = 1;
  const chat: RawChat = {
    ws,
    open,
    answerPings: true,
    async request(event, args, timeoutMs = 10_000) {
      const id = nextId++;
      const prefix = `43${id}[`;
      const answer = ws.next((frame) => isText(frame) && textOf(frame).startsWith(prefix), timeoutMs);
      ws.sendText(`42${id}${JSON.stringify([event, ...args])}`);
      return JSON.parse(textOf(await answer).slice(`43${id}`.length)) as unknown[];
    },
    events(event) {
      return ws.messages.flatMap((frame) => {
        if (!isText(frame) || !textOf(frame).startsWith("42[")) return [];
        const [name, data] = JSON.parse(textOf(frame).slice(2)) as [unknown, unknown];
        if (event === "message:new" && name === "message:batch" && Array.isArray(data)) return data as unknown[];
        return name === event ? [data] : [];
      });
    },
  };
  // Engine.IO v4: the server pings ("2"), the client answers ("3").
  let answered = 0;
  ws.socket.on("data", () => {
    if (!chat.answerPings) return;
    const pings = ws.messages.filter((frame) => isText(frame) && textOf(frame) === "2").length;
    for (let i = answered; i < pings; i++) ws.sendText("3");
    answered = pings;
  });
  ws.sendText(`40${JSON.stringify({ name })}`);
  await ws.next((frame) => isText(frame) && textOf(frame).startsWith("40{"));
  return chat;
}

/** The resident set size of a process, in bytes, from /proc/<pid>/status. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
