import { accessOptions } from "../auth/access.ts";
import type { Config } from "../config.ts";
import { createSendLimiter, type SendLimiter, type UserBuckets } from "../limits/send-limiter.ts";
import type { Retention } from "../messages/message-store.ts";
import type { PresenceTiming } from "../presence/presence-store.ts";
import type { ChatAppOptions } from "./create-app.ts";

/**
 * The app's options that come from the configuration: who may connect, packet size,
 * connections per process and per user, output per connection, the heartbeat.
 */
export const appOptionsOf = (
  config: Config,
): Pick<
  ChatAppOptions,
  "authenticate" | "cors" | "maxPayloadBytes" | "maxConnections" | "maxUserConnections" | "maxBufferedBytes" | "heartbeat"
> => ({
  ...accessOptions(config),
  maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
  maxConnections: config.MAX_CONNECTIONS_PER_WORKER,
  maxUserConnections: config.MAX_CONNECTIONS_PER_USER,
  maxBufferedBytes: config.MAX_BUFFERED_BYTES,
  heartbeat: { pingInterval: config.PING_INTERVAL_MS, pingTimeout: config.PING_TIMEOUT_MS },
});

/** How long a dead process's sessions last, and how often each process refreshes its own: PRESENCE_TTL_MS, PRESENCE_REFRESH_MS. */
export const presenceTimingOf = (config: Config): PresenceTiming => ({
  ttlMs: config.PRESENCE_TTL_MS,
  refreshMs: config.PRESENCE_REFRESH_MS,
});

/** The limits on every event: EVENT_RATE_PER_CONNECTION here, EVENT_RATE_PER_USER in `users` (Redis or memory). */
export const eventLimiterOf = (config: Config, users: (perSecond: number) => UserBuckets): SendLimiter =>
  createSendLimiter(config.EVENT_RATE_PER_CONNECTION, users(config.EVENT_RATE_PER_USER));

/** The send limits: SEND_RATE_PER_CONNECTION here, SEND_RATE_PER_USER in `users` (Redis or memory). */
export const sendLimiterOf = (config: Config, users: (perSecond: number) => UserBuckets): SendLimiter =>
  createSendLimiter(config.SEND_RATE_PER_CONNECTION, users(config.SEND_RATE_PER_USER));

/** How long rooms keep their history and their keys: HISTORY_MAX_AGE_SECONDS, ROOM_IDLE_TTL_SECONDS. */
export const retentionOf = (config: Config): Retention => ({
  maxAgeMs: config.HISTORY_MAX_AGE_SECONDS * 1000,
  idleTtlMs: config.ROOM_IDLE_TTL_SECONDS * 1000,
});
