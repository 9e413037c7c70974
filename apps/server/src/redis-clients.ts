import { createClient, type RedisClientType } from "redis";
import type { Log } from "./log.ts";

/** Back off from 100 ms to 2 s between attempts, forever: Redis coming back is the normal case. */
const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

/**
 * A node-redis client that reconnects on its own and reports each change of state once,
 * rather than one error a retry.
 */
export function createRedisClient(url: string, role: string, log: Log, onRestored?: () => void): RedisClientType {
  const client: RedisClientType = createClient({
    url,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5000 },
  });
  let down = false;
  client.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    log.error(`redis ${role} connection lost, reconnecting`, error);
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    log.info(`redis ${role} connection restored`);
    onRestored?.();
  });
  return client;
}

export interface RedisClients {
  /** Publishes for the adapter and runs every command. */
  pub: RedisClientType;
  /** Subscribed to the adapter's channels; a subscribed connection can run nothing else. */
  sub: RedisClientType;
  /** Runs `listener` each time the subscriber is back after an outage, its subscriptions renewed. */
  onSubscriptionRestored(listener: () => void): void;
  close(): Promise<void>;
}

export async function connectRedis(url: string, log: Log): Promise<RedisClients> {
  const restored: (() => void)[] = [];
  const pub = createRedisClient(url, "publisher", log);
  // node-redis emits "ready" only once it has subscribed again.
  const sub = createRedisClient(url, "subscriber", log, () => restored.forEach((listener) => listener()));
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub,
    onSubscriptionRestored: (listener) => void restored.push(listener),
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
