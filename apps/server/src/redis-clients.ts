import { createClient, type RedisClientType } from "redis";
import type { Log } from "./log.ts";

/** Back off from 100 ms to 2 s between attempts, forever: Redis coming back is the normal case. */
const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

/**
 * A node-redis client that reconnects on its own and reports each change of state once,
 * rather than one error a retry.
 */
export function createRedisClient(
  url: string,
  role: string,
  log: Log,
  { onLost, onRestored }: { onLost?: () => void; onRestored?: () => void } = {},
): RedisClientType {
  const client: RedisClientType = createClient({
    url,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5000 },
  });
  let down = false;
  client.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    log.error(`redis ${role} connection lost, reconnecting`, error);
    onLost?.();
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
  /**
   * Subscribed to the adapter's channels; a subscribed connection can run nothing else.
   * From the moment its connection is lost until it is back with its subscriptions renewed,
   * the messages of its pattern subscription (room and user broadcasts) are dropped: some
   * of those published meanwhile never reach it, and a later one must not be shown before
   * them. Clients fetch them all from the stores on `sync:required` instead.
   */
  sub: RedisClientType;
  /** Runs `listener` each time the subscriber is back after an outage, its subscriptions renewed. */
  onSubscriptionRestored(listener: () => void): void;
  close(): Promise<void>;
}

type PatternListener = (message: Buffer, channel: Buffer) => void;

/** `sub`, whose pattern subscriptions deliver only while `open()` says so. */
function gated(sub: RedisClientType, open: () => boolean): RedisClientType {
  const pSubscribe = (patterns: string | string[], listener: PatternListener, bufferMode?: boolean) =>
    sub.pSubscribe(patterns, (message: Buffer, channel: Buffer) => {
      if (open()) listener(message, channel);
    }, bufferMode as true);
  return new Proxy(sub, {
    get(target, property) {
      if (property === "pSubscribe" || property === "PSUBSCRIBE") return pSubscribe;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export async function connectRedis(url: string, log: Log): Promise<RedisClients> {
  const restored: (() => void)[] = [];
  let subscribed = true;
  const pub = createRedisClient(url, "publisher", log);
  const sub = createRedisClient(url, "subscriber", log, {
    onLost: () => (subscribed = false),
    // node-redis emits "ready" only once it has subscribed again.
    onRestored: () => {
      subscribed = true;
      restored.forEach((listener) => listener());
    },
  });
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub: gated(sub, () => subscribed),
    onSubscriptionRestored: (listener) => void restored.push(listener),
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
