import { connect, createServer, type Socket } from "node:net";
import { sleep } from "../time.ts";

/**
 * A TCP proxy in front of Redis (point REDIS_URL at it) that passes everything through until
 * a test makes the network misbehave:
 *
 * - `cut()` closes every connection, as when Redis goes away (connections made afterwards
 *   pass through again);
 * - `holdFrom(marker)` hangs one connection: the first command sent that holds `marker` (a
 *   key, say) is not passed on, nor anything that connection sends after it, so its client
 *   waits for answers; `release()` passes on what was held, in order, and everything after;
 * - `slowResubscribe(holdMs, batchMs)` slows subscriptions down: a connection that sends
 *   SSUBSCRIBE or PSUBSCRIBE (what the Socket.IO Redis adapter's subscriber sends when it
 *   connects again) has that command, and what it sends after it, held for `holdMs`, and
 *   Redis's answers from then on reach it `batchMs` later in one piece, as TCP may deliver
 *   them to a process whose event loop was busy.
 */
export interface RedisProxy {
  readonly port: number;
  readonly url: string;
  holdFrom(marker: string): void;
  /** Resolves once a command has been held by `holdFrom`. */
  readonly held: Promise<void>;
  release(): void;
  cut(): void;
  slowResubscribe(holdMs: number, batchMs: number): void;
  /** How many subscriptions were slowed so far. */
  readonly slowed: number;
  /** How many times `text` has gone through to Redis so far (over every connection). */
  passed(text: string): number;
  /** How many times clients have sent `text` so far, passed on or held. */
  sent(text: string): number;
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

const subscribing = /[ps]subscribe/i;

export async function startRedisProxy(redisPort = 6379): Promise<RedisProxy> {
  let marker: Buffer | undefined;
  let onHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  let slow: { holdMs: number; batchMs: number } | undefined;
  let slowed = 0;
  const open = new Set<Socket>();
  const releases = new Set<() => void>();
  // What clients sent, and what of it went through: the tests that look send little.
  const sentChunks: Buffer[] = [];
  const passedChunks: Buffer[] = [];

  const server = createServer((client) => {
    const redis = connect({ host: "127.0.0.1", port: redisPort });
    /** What this connection sent from the held command on; undefined while nothing is held. */
    let holding: Buffer[] | undefined;
    /** Set while a slowed subscription waits: what follows it waits behind it, in order. */
    let slowedUntil: Promise<void> | undefined;
    /** Redis's answers held for one batch, or undefined while they pass straight through. */
    let batch: Buffer[] | undefined;

    const write = (bytes: Buffer) => {
      if (redis.destroyed) return;
      passedChunks.push(bytes);
      redis.write(bytes);
    };
    const pass = (bytes: Buffer) => {
      if (slowedUntil === undefined) return write(bytes);
      slowedUntil = slowedUntil.then(() => write(bytes));
    };
    const holdThenPass = (bytes: Buffer, { holdMs, batchMs }: { holdMs: number; batchMs: number }) => {
      slowed += 1;
      const waited = (slowedUntil ?? Promise.resolve()).then(() => sleep(holdMs));
      const mine = waited.then(() => {
        const answers: Buffer[] = [];
        batch = answers;
        setTimeout(() => {
          batch = undefined;
          if (!client.destroyed && answers.length > 0) client.write(Buffer.concat(answers));
        }, batchMs);
        write(bytes);
        if (slowedUntil === mine) slowedUntil = undefined;
      });
      slowedUntil = mine;
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
      if (at >= 0) {
        const start = commandStart(chunk, at);
        pass(chunk.subarray(0, start));
        holding = [chunk.subarray(start)];
        marker = undefined;
        onHeld();
        return;
      }
      if (slow !== undefined && subscribing.test(chunk.toString("latin1"))) return holdThenPass(chunk, slow);
      pass(chunk);
    });
    redis.on("data", (chunk: Buffer) => {
      if (batch !== undefined) batch.push(chunk);
      else if (!client.destroyed) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("the proxy has no port");

  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    holdFrom: (text) => void (marker = Buffer.from(text)),
    held,
    release: () => releases.forEach((release) => release()),
    cut: () => open.forEach((socket) => socket.destroy()),
    slowResubscribe: (holdMs, batchMs) => void (slow = { holdMs, batchMs }),
    get slowed() {
      return slowed;
    },
    passed: (text) => count(passedChunks, text),
    sent: (text) => count(sentChunks, text),
    close: async () => {
      open.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
