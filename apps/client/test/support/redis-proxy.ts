import { createServer, connect, type Socket } from "node:net";
import { sleep } from "@chat/server/testing";

/**
 * A TCP proxy in front of Redis (point REDIS_URL at it), for a slow network: it passes
 * everything through as is, until `slowResubscribe` is called. From then on, a connection
 * that subscribes to sharded channels or to a pattern (SSUBSCRIBE, PSUBSCRIBE: what the
 * Socket.IO Redis adapter's subscriber sends when it connects again, the sharded adapter's
 * and the classic one's) has that command, and whatever it sends after it, held for
 * `holdMs`; and Redis's answers from then on reach it `batchMs` later, in one piece, as
 * TCP may deliver them to a process whose event loop was busy.
 */
export interface RedisProxy {
  readonly port: number;
  readonly url: string;
  /** How many subscriptions were slowed so far. */
  readonly slowed: number;
  slowResubscribe(holdMs: number, batchMs: number): void;
  close(): Promise<void>;
}

export async function startRedisProxy(redisPort: number): Promise<RedisProxy> {
  let slow: { holdMs: number; batchMs: number } | undefined;
  let slowed = 0;
  const open = new Set<Socket>();

  const server = createServer((client) => {
    const redis = connect({ host: "127.0.0.1", port: redisPort });
    open.add(client);
    open.add(redis);
    const closeBoth = () => {
      client.destroy();
      redis.destroy();
      open.delete(client);
      open.delete(redis);
    };
    client.on("error", closeBoth);
    redis.on("error", closeBoth);
    client.on("close", closeBoth);
    redis.on("close", closeBoth);

    /** What goes to Redis, in order, each chunk after the one before (a held one holds the rest). */
    let toRedis = Promise.resolve();
    /** Redis's answers held for one batch, or undefined while they pass straight through. */
    let batch: Buffer[] | undefined;

    client.on("data", (chunk: Buffer) => {
      const hold = slow !== undefined && /[ps]subscribe/i.test(chunk.toString("latin1")) ? slow : undefined;
      toRedis = toRedis.then(async () => {
        if (hold !== undefined) {
          slowed += 1;
          await sleep(hold.holdMs);
          const held: Buffer[] = [];
          batch = held;
          setTimeout(() => {
            batch = undefined;
            if (!client.destroyed && held.length > 0) client.write(Buffer.concat(held));
          }, hold.batchMs);
        }
        if (!redis.destroyed) redis.write(chunk);
      });
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
    get slowed() {
      return slowed;
    },
    slowResubscribe(holdMs, batchMs) {
      slow = { holdMs, batchMs };
    },
    close: async () => {
      open.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
