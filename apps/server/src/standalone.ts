import { createServer } from "node:http";
import { createChatApp } from "./app.ts";
import { accessOptions } from "./auth/access.ts";
import type { Config } from "./config.ts";
import { limitOptions, sendLimiterOf } from "./limits/limit-options.ts";
import { MemoryUserBuckets } from "./limits/send-limiter.ts";
import { createLog } from "./log.ts";
import { serveStandaloneOps } from "./ops/roles.ts";
import { onShutdownRequest } from "./shutdown.ts";
import { MemoryMessageStore } from "./stores/memory-message-store.ts";
import { MemoryPresenceStore } from "./stores/memory-presence-store.ts";

/**
 * One process, the in-memory adapter, nothing shared: what runs when no Redis is there.
 * Everything works for the clients of this one process.
 */
export async function startStandalone(config: Config, reason: string): Promise<void> {
  const log = createLog("worker: 1", config.LOG_FORMAT);
  const httpServer = createServer();
  // Before Socket.IO attaches, which then passes it every request outside /socket.io/.
  const metrics = serveStandaloneOps(httpServer);
  const app = createChatApp(httpServer, (io) => ({
    log,
    metrics,
    presence: new MemoryPresenceStore(),
    limiter: sendLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
    messages: new MemoryMessageStore({
      room: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("message:new", message),
      direct: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("dm:new", message),
    }),
  }), { ...accessOptions(config), ...limitOptions(config) });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address !== null ? address.port : config.PORT;
  createLog("primary", config.LOG_FORMAT).info(
    `listening on port ${port} as a single process with the in-memory adapter: NOT SCALED OUT (${reason}). ` +
      "Messages reach only the clients of this process, and history is not kept. " +
      "To scale out, start Redis or set REDIS_URL, then restart.",
  );
  onShutdownRequest(async () => {
    await app.close();
  });
}
