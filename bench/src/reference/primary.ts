import cluster from "node:cluster";
import { createServer } from "node:http";
import { setupMaster } from "@socket.io/sticky";
import { readyMessage } from "./signals.ts";

export interface ReferenceSettings {
  port: number;
  workers: number;
  redisUrl: string;
  key: string;
}

/**
 * The primary of the recipe: owns the port and hands each connection to a worker with
 * @socket.io/sticky's default options. That package resolves to the workspace's patched copy
 * (pnpm's patchedDependencies), with the fixes the project's own @chat/sticky carries, so the
 * comparison is of what sits on top of it.
 */
export async function startReferencePrimary({ port, workers }: ReferenceSettings, name = "reference"): Promise<void> {
  const httpServer = createServer();
  setupMaster(httpServer);

  // Only the harness needs to know when every worker can take connections: the recipe itself
  // listens at once, and the line below is printed once the workers have said they are ready.
  let ready = 0;
  const allReady = new Promise<void>((resolve) => {
    cluster.on("message", (_worker, message: unknown) => {
      if (message === readyMessage && ++ready === workers) resolve();
    });
  });
  for (let i = 0; i < workers; i++) cluster.fork();

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, () => resolve());
  });
  await allReady;
  const address = httpServer.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  process.stdout.write(`${name} listening on port ${bound} with ${workers} workers\n`);

  // The harness asks for each worker's count of Redis messages by signalling this process.
  process.on("SIGUSR2", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGUSR2");
  });
  // As the recipe's cluster example does: a worker that dies is replaced.
  let stopping = false;
  cluster.on("exit", () => {
    if (!stopping) cluster.fork();
  });
  const stop = () => {
    stopping = true;
    httpServer.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
