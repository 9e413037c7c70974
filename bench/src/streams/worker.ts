import cluster from "node:cluster";
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { setupWorker } from "@socket.io/sticky";
// node-redis 4, pinned apart from the workspace's `redis`: the version the adapter is written against.
import { createClient } from "redis-for-streams";
import { Server } from "socket.io";
import type { ReferenceSettings } from "../reference/primary.ts";
import { readyMessage, redisReceivedLine } from "../reference/signals.ts";

/**
 * A worker of the streams recipe: Socket.IO with connection state recovery (its default
 * options) and the Redis Streams adapter (default options but the names of its stream, its
 * channels and its session keys, which take the run's key), relaying `chat message` to every
 * other client, or to the sender's room when the handshake named one.
 */
export async function startStreamsWorker({ redisUrl, key }: ReferenceSettings): Promise<void> {
  const redisClient = createClient({ url: redisUrl });
  // The recipe leaves a client's errors to its reconnection; unheard, one would end the process.
  redisClient.on("error", () => {});
  await redisClient.connect();

  const httpServer = createServer();
  const io = new Server(httpServer, { connectionStateRecovery: {} });

  // Counts the stream entries this worker reads (every worker reads the one stream, each of
  // its entries whatever room it is for): the adapter's own `onMessage`, counted on the way in.
  let received = 0;
  const makeAdapter = createAdapter(redisClient, {
    streamName: `${key}-stream`,
    channelPrefix: key,
    sessionKeyPrefix: `${key}:session:`,
  });
  io.adapter(function countingAdapter(nsp: unknown) {
    const adapter = makeAdapter(nsp) as ReturnType<typeof makeAdapter> & { onMessage(message: unknown, offset?: string): unknown };
    const onMessage = adapter.onMessage.bind(adapter);
    adapter.onMessage = (message, offset) => {
      received++;
      return onMessage(message, offset);
    };
    return adapter;
  } as unknown as Parameters<Server["adapter"]>[0]);
  process.on("SIGUSR2", () => {
    process.stdout.write(`${redisReceivedLine(cluster.worker?.id ?? 0, received)}\n`);
  });

  io.on("connection", (socket) => {
    const requested: unknown = socket.handshake.auth.room;
    const room = typeof requested === "string" ? requested : undefined;
    // A recovered connection is back in its rooms already.
    if (room !== undefined && !socket.recovered) void socket.join(room);
    socket.on("chat message", (message: unknown, ack?: unknown) => {
      if (room === undefined) socket.broadcast.emit("chat message", message);
      else socket.broadcast.to(room).emit("chat message", message);
      if (typeof ack === "function") (ack as (ok: boolean) => void)(true);
    });
  });

  setupWorker(io);
  process.send?.(readyMessage);
  process.once("SIGTERM", () => {
    void io.close();
    void redisClient.quit().finally(() => process.exit(0));
  });
}
