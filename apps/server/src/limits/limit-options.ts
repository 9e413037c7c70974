import type { ChatAppOptions } from "../app.ts";
import type { Config } from "../config.ts";
import { createSendLimiter, type SendLimiter, type UserBuckets } from "./send-limiter.ts";

/** The app's share of the limits: packet size and connections per process. */
export const limitOptions = (config: Config): Pick<ChatAppOptions, "maxPayloadBytes" | "maxConnections"> => ({
  maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
  maxConnections: config.MAX_CONNECTIONS_PER_WORKER,
});

/** The send limits: SEND_RATE_PER_CONNECTION here, SEND_RATE_PER_USER in `users` (Redis or memory). */
export const sendLimiterOf = (config: Config, users: (perSecond: number) => UserBuckets): SendLimiter =>
  createSendLimiter(config.SEND_RATE_PER_CONNECTION, users(config.SEND_RATE_PER_USER));
