import { randomBytes } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import { boundedOr } from "../time.ts";

/** A Redis prefix no other test uses, so that test clusters sharing one Redis never meet. */
export const uniquePrefix = (): string => `test-${randomBytes(6).toString("hex")}`;

export type RedisConnection = RedisClientType;

/**
 * Runs `use` with a node-redis client connected to `url` (no reconnection, no offline queue:
 * a Redis that is down fails the call at once), and closes the client afterwards.
 */
export async function withRedis<T>(url: string, use: (redis: RedisConnection) => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const redis = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  // A failure reaches the caller through the rejected call; the event would only crash the run.
  redis.on("error", () => undefined);
  await redis.connect();
  try {
    return await use(redis);
  } finally {
    if (redis.isOpen) redis.destroy();
  }
}

/** Whether Redis at `url` answers PING with PONG (while it loads its data it answers -LOADING: not yet). */
export const answersPing = (url: string, timeoutMs = 1_000): Promise<boolean> =>
  // Bounded as a whole: a hung Redis (SIGSTOP) accepts the connection and never answers.
  boundedOr(withRedis(url, async (redis) => (await redis.ping()) === "PONG", timeoutMs).catch(() => false), timeoutMs, false);

/** One entry of a room's stream, as the server stores it (XADD ... from, text, clientId). */
export interface StreamEntry {
  id: string;
  from: string;
  text: string;
  clientId: string | undefined;
}

/** Every entry of the stream at `key`, in stream (id) order: `XRANGE key - +`. */
export const readStream = (url: string, key: string): Promise<StreamEntry[]> =>
  withRedis(url, async (redis) =>
    ((await redis.xRange(key, "-", "+")) ?? []).map(({ id, message }) => ({
      id,
      from: message.from ?? "",
      text: message.text ?? "",
      clientId: message.clientId,
    })),
  );
