import type { Server as HttpServer } from "node:http";
import type { Config } from "../config.ts";
import { MemoryRoomQuota } from "../limits/room-quota.ts";
import { MemoryUserBuckets } from "../limits/send-limiter.ts";
import type { Log } from "../logging/log.ts";
import { MemoryRoomRegistry } from "../membership/memory-room-registry.ts";
import { MemoryMessageStore, type LocalDelivery } from "../messages/memory-message-store.ts";
import type { ChatMetrics } from "../ops/metrics.ts";
import { MemoryPresenceStore } from "../presence/memory-presence-store.ts";
import { appOptionsOf, eventLimiterOf, retentionOf, sendLimiterOf } from "./config-options.ts";
import type { ChatServer } from "./chat-socket.ts";
import { createChatApp, type ChatApp } from "./create-app.ts";

/** Delivery through this process's own Socket.IO server: a stored message reaches its connections here. */
export const localDelivery = (io: ChatServer): LocalDelivery => ({
  room: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("message:new", message),
  direct: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("dm:new", message),
});

/**
 * The app of a process that shares nothing: the in-memory adapter and stores, which deliver
 * through this process's own Socket.IO server. Everything works for its own clients.
 */
export function createMemoryChatApp(
  httpServer: HttpServer,
  config: Config,
  { log, metrics }: { log: Log; metrics?: ChatMetrics },
): ChatApp {
  return createChatApp(
    httpServer,
    (io) => ({
      log,
      ...(metrics === undefined ? {} : { metrics }),
      presence: new MemoryPresenceStore(),
      limiter: sendLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
      rooms: new MemoryRoomRegistry(),
      roomQuota: new MemoryRoomQuota(config.MAX_ROOMS_PER_USER_PER_DAY),
      messages: new MemoryMessageStore(localDelivery(io), retentionOf(config)),
      eventLimiter: eventLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
    }),
    appOptionsOf(config),
  );
}
