import cluster from "node:cluster";

/** The message a primary sends a worker to make it close its connections and exit. */
export const shutdownMessage = "chat:shutdown";

/** The message a worker sends its primary once it can take connections. */
export const readyMessage = "chat:ready";

/**
 * Runs `close` once, then exits, on the first of: SIGINT, SIGTERM, the primary's shutdown
 * message, or the primary going away (a worker must not outlive its primary).
 */
export function onShutdownRequest(close: () => Promise<void>): void {
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  if (cluster.isWorker) {
    process.on("message", (message: unknown) => {
      if (message === shutdownMessage) shutdown();
    });
    process.once("disconnect", shutdown);
  }
}
