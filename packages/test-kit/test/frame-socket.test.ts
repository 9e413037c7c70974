import { createHash } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { FrameSocket } from "../src/engine/frame-socket.ts";

/** What a FrameSocket reported, in order, and a promise for its close. */
function observed(port: number, path = "/") {
  const events: string[] = [];
  let opened: () => void = () => undefined;
  let closed: (value: { reason: string; code: number | undefined }) => void = () => undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const close = new Promise<{ reason: string; code: number | undefined }>((resolve) => (closed = resolve));
  const socket = new FrameSocket({
    port,
    path,
    localAddress: "127.0.0.1",
    onOpen: () => {
      events.push("open");
      opened();
    },
    onText: (text) => events.push(`text ${text}`),
    onClose: (reason, code) => closed({ reason, code }),
  });
  return { socket, events, open, close };
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** A ws server on a free port; `onConnection` gets each server-side WebSocket. */
async function wsServer(onConnection: (ws: WebSocket) => void): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", onConnection);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A TCP server that completes the upgrade by hand and then writes `after` one byte at a time. */
async function trickleServer(after: Buffer): Promise<number> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1];
      if (!head.includes("\r\n\r\n") || key === undefined) return;
      head = "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      const response = Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
        after,
      ]);
      let at = 0;
      const drip = () => {
        if (at >= response.length || socket.destroyed) return;
        socket.write(response.subarray(at, at + 1));
        at += 1;
        setTimeout(drip, 1);
      };
      drip();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("FrameSocket, the bench's WebSocket client", () => {
  it("opens, and sends and receives text of every length encoding, unicode included", async () => {
    const received: string[] = [];
    const port = await wsServer((ws) => {
      ws.on("message", (data: Buffer, isBinary) => {
        received.push(isBinary ? "binary" : data.toString("utf8"));
        ws.send(data.toString("utf8"));
      });
    });
    const { socket, events, open } = observed(port);
    await open;
    const texts = ["héllo ✓", "x".repeat(300), "y".repeat(70_000)];
    for (const text of texts) socket.sendText(text);
    await until(() => events.length === 4, "three echoes");
    expect(received).toEqual(texts);
    expect(events).toEqual(["open", ...texts.map((text) => `text ${text}`)]);
    socket.terminate();
  });

  it("joins a fragmented message, and answers the server's WebSocket ping", async () => {
    let pongs = 0;
    const port = await wsServer((ws) => {
      ws.on("pong", (data: Buffer) => {
        if (data.toString() === "are you there") pongs += 1;
      });
      ws.send("first ", { fin: false });
      ws.send("second ", { fin: false });
      ws.send("last", { fin: true });
      ws.ping("are you there");
      ws.send("after");
    });
    const { socket, events } = observed(port);
    await until(() => events.length === 3 && pongs === 1, "the joined message and the pong");
    expect(events).toEqual(["open", "text first second last", "text after"]);
    socket.terminate();
  });

  it("reads an upgrade answer and frames that arrive a byte at a time", async () => {
    const frames = Buffer.concat([
      Buffer.from([0x81, 5]),
      Buffer.from("short"),
      Buffer.from([0x81, 126, 0x01, 0x2c]),
      Buffer.from("z".repeat(300)),
    ]);
    const port = await trickleServer(frames);
    const { socket, events } = observed(port);
    await until(() => events.length === 3, "both messages");
    expect(events).toEqual(["open", "text short", `text ${"z".repeat(300)}`]);
    socket.terminate();
  });

  it("reports the server's close code, and closes with 1000 when it closes first", async () => {
    const codes: number[] = [];
    const port = await wsServer((ws) => {
      ws.on("message", (data: Buffer) => {
        if (data.toString() === "close me") ws.close(4001, "asked");
      });
      ws.on("close", (code) => codes.push(code));
    });
    const first = observed(port);
    await first.open;
    first.socket.sendText("close me");
    expect(await first.close).toMatchObject({ code: 4001 });

    const second = observed(port);
    await second.open;
    const done = new Promise<void>((resolve) => second.socket.onceClosed(resolve));
    second.socket.close();
    await done;
    await until(() => codes.length === 2, "the server to see both closes");
    expect(codes).toEqual([4001, 1000]);
    expect(second.socket.isClosed).toBe(true);
  });

  it("fails with the status line when the upgrade is refused, and never opens", async () => {
    const server: HttpServer = createHttpServer((_request, response) => response.end());
    server.on("upgrade", (_request, socket: Socket) => {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const { socket, events, close } = observed(address.port);
    expect(await close).toEqual({ reason: "upgrade refused: HTTP/1.1 403 Forbidden", code: undefined });
    expect(events).toEqual([]);
    expect(socket.isOpen).toBe(false);
  });

  it("fails when nothing listens", async () => {
    const port = await trickleServer(Buffer.alloc(0));
    await Promise.all(stops.splice(0).map((stop) => stop()));
    const { close, events } = observed(port);
    expect((await close).reason).toMatch(/ECONNREFUSED/);
    expect(events).toEqual([]);
  });
});
