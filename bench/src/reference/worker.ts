import cluster from "node:cluster";
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { setupWorker } from "@socket.io/sticky";
import { createClient } from "redis";
import { Server } from "socket.io";
import type { ReferenceSettings } from "./primary.ts";
import { readyMessage, redisReceivedLine } from "./signals.ts";

/**
 * A worker of the recipe: Socket.IO with the Redis adapter (default options but the key),
 * relaying `chat message` to every other client, or to the sender's room when the handshake
 * named one (the many-rooms and faults scenarios).
 */
export async function startReferenceWorker({ redisUrl, key }: ReferenceSettings): Promise<void> {
  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);

  // Counts the pub/sub messages this worker gets: a second listener on the adapter's own
  // pattern (its channel for the main namespace, then anything). Subscribed before the adapter
  // is created, so that the adapter's own pSubscribe finds the pattern subscribed and only adds
  // its listener: one subscription, no extra Redis traffic, and each message counted once.
  let received = 0;
  await subClient.pSubscribe(`${key}#/#*`, () => void received++, true);
  process.on("SIGUSR2", () => {
    process.stdout.write(`${redisReceivedLine(cluster.worker?.id ?? 0, received)}\n`);
  });

  const httpServer = createServer();
  const io = new Server(httpServer);
  io.adapter(createAdapter(pubClient, subClient, { key }));

  io.on("connection", (socket) => {
    const requested: unknown = socket.handshake.auth.room;
    const room = typeof requested === "string" ? requested : undefined;
    if (room !== undefined) void socket.join(room);
    socket.on("chat message", (message: unknown, ack?: unknown) => {
      if (room === undefined) socket.broadcast.emit("chat message", message);
      else socket.broadcast.to(room).emit("chat message", message);
      // A sender that asks for an acknowledgement (the faults scenario's) gets one once relayed.
      if (typeof ack === "function") (ack as (ok: boolean) => void)(true);
    });
  });

  setupWorker(io);
  process.send?.(readyMessage);
  process.once("SIGTERM", () => {
    void io.close();
    void Promise.allSettled([pubClient.close(), subClient.close()]).then(() => process.exit(0));
  });
}
