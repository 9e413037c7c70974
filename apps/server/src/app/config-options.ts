import { accessOptions } from "../auth/access.ts";
import type { Config } from "../config.ts";
import { createSendLimiter, type SendLimiter, type UserBuckets } from "../limits/send-limiter.ts";
import type { ChatAppOptions } from "./create-app.ts";

/** The app's options that come from the configuration: who may connect, packet size, connections per process, output per connection. */
export const appOptionsOf = (
  config: Config,
): Pick<ChatAppOptions, "authenticate" | "cors" | "maxPayloadBytes" | "maxConnections" | "maxBufferedBytes"> => ({
  ...accessOptions(config),
  maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
  maxConnections: config.MAX_CONNECTIONS_PER_WORKER,
  maxBufferedBytes: config.MAX_BUFFERED_BYTES,
});

/** The send limits: SEND_RATE_PER_CONNECTION here, SEND_RATE_PER_USER in `users` (Redis or memory). */
export const sendLimiterOf = (config: Config, users: (perSecond: number) => UserBuckets): SendLimiter =>
  createSendLimiter(config.SEND_RATE_PER_CONNECTION, users(config.SEND_RATE_PER_USER));
