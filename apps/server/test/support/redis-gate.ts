import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of Redis (point REDIS_URL at it) that can stop commands on their way:
 * once `holdFrom(marker)` is called, the first command a connection sends that holds `marker`
 * (a key, say) is not passed on yet, and neither is anything that connection sends after it,
 * so the server waits for answers. `release()` then passes on what was held, in order, and
 * everything after it; `cut()` instead closes every connection, as when Redis goes away, and
 * the held commands never reach Redis. Connections made after a cut pass everything through.
 */
export interface RedisGate {
  readonly url: string;
  holdFrom(marker: string): void;
  /** Resolves once a command has been held. */
  readonly held: Promise<void>;
  /** How many times `text` has gone through to Redis so far (over every connection). */
  passed(text: string): number;
  /** How many times the server has sent `text` so far, passed on or held. */
  sent(text: string): number;
  release(): void;
  cut(): void;
  close(): Promise<void>;
}

/** A RESP command starts with `*<count>\r\n`: the start of the one that holds `at`, within `bytes`. */
const commandStart = (bytes: Buffer, at: number): number => {
  for (let i = at; i > 1; i--) {
    if (bytes[i] === 0x2a && bytes[i - 1] === 0x0a && bytes[i - 2] === 0x0d) return i;
  }
  return 0;
};

/** Occurrences of `text` in `chunks`, read as one stream. */
const count = (chunks: Buffer[], text: string): number => Buffer.concat(chunks).toString("latin1").split(text).length - 1;

export async function startRedisGate(redisPort = 6379): Promise<RedisGate> {
  let marker: Buffer | undefined;
  let onHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const open = new Set<Socket>();
  const releases = new Set<() => void>();
  // What the server sent, and what of it went through: the tests that look send little.
  const sentChunks: Buffer[] = [];
  const passedChunks: Buffer[] = [];

  const server = createServer((client) => {
    const redis = connect({ host: "127.0.0.1", port: redisPort });
    /** What this connection sent from the held command on; undefined while nothing is held. */
    let holding: Buffer[] | undefined;
    const pass = (bytes: Buffer) => {
      passedChunks.push(bytes);
      redis.write(bytes);
    };
    const release = () => {
      const waiting = holding;
      holding = undefined;
      if (waiting !== undefined) pass(Buffer.concat(waiting));
    };
    releases.add(release);
    const closeBoth = () => {
      releases.delete(release);
      for (const socket of [client, redis]) {
        socket.destroy();
        open.delete(socket);
      }
    };
    for (const socket of [client, redis]) {
      open.add(socket);
      socket.on("error", closeBoth);
      socket.on("close", closeBoth);
    }
    client.on("data", (chunk: Buffer) => {
      sentChunks.push(chunk);
      if (holding !== undefined) {
        holding.push(chunk);
        return;
      }
      // A marker cut in two by a TCP read would slip through: the commands looked for are
      // small, and written whole.
      const at = marker === undefined ? -1 : chunk.indexOf(marker);
      if (at < 0) return pass(chunk);
      const start = commandStart(chunk, at);
      pass(chunk.subarray(0, start));
      holding = [chunk.subarray(start)];
      marker = undefined;
      onHeld();
    });
    redis.on("data", (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("the gate has no port");

  return {
    url: `redis://127.0.0.1:${address.port}`,
    holdFrom: (text) => void (marker = Buffer.from(text)),
    held,
    passed: (text) => count(passedChunks, text),
    sent: (text) => count(sentChunks, text),
    release: () => releases.forEach((release) => release()),
    cut: () => open.forEach((socket) => socket.destroy()),
    close: async () => {
      open.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
