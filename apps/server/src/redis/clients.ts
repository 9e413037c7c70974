import { createClient, type RedisClientType } from "redis";
import type { Log } from "../logging/log.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { WaitOnKeyNode } from "./replica-wait.ts";
import { GatedSubscriptions, type Subscriber } from "./subscriptions.ts";

/** Back off from 100 ms to 2 s between attempts, forever: Redis coming back is the normal case. */
export const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

/**
 * What every connection to a Redis node is opened with, besides its address and reconnection.
 * Deadlines are the request guard's (REDIS_TIMEOUT_MS, `request-guard.ts`), not node-redis's
 * own 5 s default, which would answer a slow command with an error of its own. Maintenance
 * notifications are a Redis Enterprise feature, off.
 */
export const nodeOptions = {
  commandOptions: { timeout: undefined },
  maintNotifications: "disabled",
} as const;

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
    ...nodeOptions,
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

/** What readiness and the metrics read of the Redis connections. */
export interface RedisHealth {
  /** Commands: ready while connected (in a cluster, to every master); `ping` answers while Redis does (in a cluster, every master, with the cluster's state ok). */
  pub: { readonly isReady: boolean; ping(): Promise<string> };
  /** The subscriber: ready while its subscriptions are in place. */
  sub: { readonly isReady: boolean };
}

export interface RedisClients {
  /** Publishes for the adapter and runs every command. */
  pub: RedisCommands;
  /**
   * Subscribed to the adapter's channels (sharded: SSUBSCRIBE), the channel of each room
   * with members here among them; a subscribed connection can run nothing else. From the
   * moment its connection is lost until it is back with its subscriptions renewed, the
   * messages of every subscription are dropped: some of those published meanwhile never reach
   * it, and a later one must not be shown before them. Clients fetch them all from the stores
   * on `sync:required` instead.
   */
  sub: Subscriber;
  health: RedisHealth;
  /** `WAIT` on the connection that wrote a key (see `replicaWait`). */
  waitOnKeyNode: WaitOnKeyNode;
  /** Runs `listener` each time the subscriber is back after an outage, its subscriptions renewed. */
  onSubscriptionRestored(listener: () => void): void;
  /**
   * Resolves once every subscription asked for so far is in place: a room's channel is
   * subscribed when its first member here joins, and what is published before that is not
   * delivered here. At once while the subscriber is down.
   */
  subscriptionsSettled(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Called for each message the subscriber receives from Redis, on any channel, delivered or dropped. */
  received?: () => void;
}

/**
 * The gate of a subscriber's messages: closed from the moment a connection is lost, opened
 * again once `renew` has succeeded after it is back, and then the restored listeners run.
 */
export function subscriptionGate(renew: () => Promise<boolean>): {
  open: () => boolean;
  lost: () => void;
  /** Renews, and opens the gate if nothing was lost meanwhile; resolves with whether it opened. */
  back: () => Promise<boolean>;
  onRestored: (listener: () => void) => void;
} {
  const restored: (() => void)[] = [];
  let subscribed = true;
  let outages = 0;
  return {
    open: () => subscribed,
    lost: () => {
      subscribed = false;
      outages += 1;
    },
    back: async () => {
      const outage = outages;
      const renewed = await renew();
      // Lost again meanwhile: the next return renews them.
      if (outage !== outages || !renewed || subscribed) return subscribed;
      subscribed = true;
      restored.forEach((listener) => listener());
      return true;
    },
    onRestored: (listener) => void restored.push(listener),
  };
}

export async function connectRedis(url: string, log: Log, { received = () => {} }: ConnectOptions = {}): Promise<RedisClients> {
  const pub = createRedisClient(url, "publisher", log);
  const sub = createRedisClient(url, "subscriber", log, {
    onLost: () => gate.lost(),
    // node-redis emits "ready" only once it has renewed the subscriptions it knows of; the
    // rest are renewed here before messages flow again.
    onRestored: () => void gate.back(),
  });
  const subscriptions = new GatedSubscriptions(sub, { open: () => gate.open(), received, log });
  // What could not be renewed now is renewed at the next return: the gate opens regardless.
  const gate = subscriptionGate(async () => {
    await subscriptions.renew();
    return true;
  });
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub: subscriptions.client,
    health: { pub, sub },
    waitOnKeyNode: async (_key, replicas, timeoutMs) => Number(await pub.sendCommand(["WAIT", String(replicas), String(timeoutMs)])),
    onSubscriptionRestored: gate.onRestored,
    subscriptionsSettled: () => subscriptions.settled(),
    close: async () => {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}
