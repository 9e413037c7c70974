import { createServer } from "node:http";
import { createMemoryChatApp } from "../app/memory-app.ts";
import type { Config } from "../config.ts";
import { createLog } from "../logging/log.ts";
import { serveStandaloneOps } from "../ops/endpoints.ts";
import { listenOps } from "../ops/ops-server.ts";
import { serveWebApp } from "../web/static-files.ts";
import { onShutdownRequest } from "./shutdown.ts";

/**
 * One process, the in-memory adapter, nothing shared: what runs when no Redis is there.
 * Everything works for the clients of this one process.
 */
export async function startStandalone(config: Config, reason: string): Promise<void> {
  const log = createLog("worker: 1", config.LOG_FORMAT);
  const httpServer = createServer();
  // Before Socket.IO attaches, which then passes it every request outside /socket.io/: the
  // public endpoints, and the web app at every other path.
  const { metrics, operations } = serveStandaloneOps(httpServer, serveWebApp(config.WEB_ROOT).answer);
  const app = createMemoryChatApp(httpServer, config, { log, metrics });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address !== null ? address.port : config.PORT;
  const primaryLog = createLog("primary", config.LOG_FORMAT);
  const opsServer = await listenOps(config, operations, primaryLog);
  primaryLog.info(
    `listening on port ${port} as a single process with the in-memory adapter: NOT SCALED OUT (${reason}). ` +
      "Messages reach only the clients of this process, and history is not kept. " +
      "To scale out, start Redis or set REDIS_URL, then restart.",
  );
  onShutdownRequest(async () => {
    opsServer.close();
    await app.close();
  });
}
