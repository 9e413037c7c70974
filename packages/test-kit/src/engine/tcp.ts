import { connect, type Socket } from "node:net";

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

