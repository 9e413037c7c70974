import type { Server as HttpServer } from "node:http";
import type { Config } from "../config.ts";
import { MemoryUserBuckets } from "../limits/send-limiter.ts";
import type { Log } from "../logging/log.ts";
import { MemoryMessageStore } from "../messages/memory-message-store.ts";
import type { ChatMetrics } from "../ops/metrics.ts";
import { MemoryPresenceStore } from "../presence/memory-presence-store.ts";
import { appOptionsOf, eventLimiterOf, sendLimiterOf } from "./config-options.ts";
import { createChatApp, type ChatApp } from "./create-app.ts";

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
      eventLimiter: eventLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
      messages: new MemoryMessageStore({
        room: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("message:new", message),
        direct: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("dm:new", message),
      }),
    }),
    appOptionsOf(config),
  );
}
