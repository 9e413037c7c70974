import { createServer } from "node:http";
import { createChatApp } from "./app.ts";
import type { Config } from "./config.ts";
import { createLog } from "./log.ts";
import { onShutdownRequest } from "./shutdown.ts";
import { MemoryMessageStore } from "./stores/memory-message-store.ts";
import { MemoryPresenceStore } from "./stores/memory-presence-store.ts";

/**
 * One process, the in-memory adapter, nothing shared: what runs when no Redis is there.
 * Everything works for the clients of this one process.
 */
export async function startStandalone(config: Config, reason: string): Promise<void> {
  const log = createLog("worker: 1");
  const httpServer = createServer();
  const app = createChatApp(httpServer, (io) => ({
    log,
    presence: new MemoryPresenceStore(),
    messages: new MemoryMessageStore({
      room: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("message:new", message),
      direct: (socketRoom, exceptSocket, message) => io.to(socketRoom).except(exceptSocket).emit("dm:new", message),
    }),
  }));
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address !== null ? address.port : config.PORT;
  createLog("primary").info(
    `listening on port ${port} as a single process with the in-memory adapter: NOT SCALED OUT (${reason}). ` +
      "Messages reach only the clients of this process, and history is not kept. " +
      "To scale out, start Redis or set REDIS_URL, then restart.",
  );
  onShutdownRequest(async () => {
    await app.close();
  });
}
