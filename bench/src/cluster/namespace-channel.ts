import { createClient } from "redis";
import { now } from "../clock.ts";
import type { ChannelFlood } from "../results.ts";

/**
 * The namespace's channel, `<prefix>#/#`: the one channel every worker of every instance
 * subscribes to, and so the traffic a cluster cannot spread over its masters. Direct messages
 * (a user's room rides it), sockets joining or leaving rooms on other servers and requests
 * between servers go over it. It hashes to one slot, so one master carries all of it.
 */
export const namespaceChannel = (prefix: string): string => `${prefix}#/#`;

/**
 * The Socket.IO adapter's message types (socket.io-adapter's `MessageType`) seen on the
 * channel, named for the report; a type not listed here shows as its number.
 */
const typeNames: Record<number, string> = {
  1: "heartbeat",
  2: "heartbeat",
  3: "broadcast",
  4: "sockets join",
  5: "sockets leave",
  6: "disconnect sockets",
  7: "fetch sockets",
  9: "server-side emit",
  11: "broadcast client count",
  12: "broadcast ack",
  13: "adapter close",
};

export interface ChannelTraffic {
  messages: number;
  bytes: number;
  /** Messages by the adapter's message type. */
  byType: Record<string, number>;
  seconds: number;
}

/** A listener of its own on the channel, on the master that holds it: counts what every worker gets from it. */
export async function listenToChannel(url: string, channel: string): Promise<{ stop(): Promise<ChannelTraffic> }> {
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  client.on("error", () => undefined);
  await client.connect();
  const traffic: ChannelTraffic = { messages: 0, bytes: 0, byType: {}, seconds: 0 };
  const from = now();
  await client.sSubscribe(
    channel,
    (message: Buffer) => {
      traffic.messages++;
      traffic.bytes += message.length;
      const type = typeOf(message);
      traffic.byType[type] = (traffic.byType[type] ?? 0) + 1;
    },
    true,
  );
  return {
    async stop() {
      traffic.seconds = (now() - from) / 1000;
      await client.disconnect().catch(() => undefined);
      return traffic;
    },
  };
}

/** The adapter sends JSON unless the message holds binary data (then MessagePack, not looked into). */
function typeOf(message: Buffer): string {
  if (message[0] !== 0x7b) return "binary";
  try {
    const { type } = JSON.parse(message.toString("utf8")) as { type?: unknown };
    return typeof type === "number" ? (typeNames[type] ?? String(type)) : "other";
  } catch {
    return "other";
  }
}

/** SPUBLISHes sent together: enough to keep the master busy, few enough not to queue seconds of them. */
const batch = 1000;

/** The CPU time the Redis server has used since it started (`INFO cpu`: user and system, main thread and others). */
async function cpuSeconds(client: { sendCommand(args: string[]): Promise<unknown> }): Promise<number> {
  const info = String(await client.sendCommand(["INFO", "cpu"]));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return field("used_cpu_user") + field("used_cpu_sys");
}

/**
 * How many messages of `payloadBytes` one master passes on a shard channel with `subscribers`
 * subscribers, published back to back for `durationMs`: the ceiling of the namespace channel,
 * whose traffic every worker receives. `channel` should hash to the namespace channel's slot
 * (a hash tag of it), so that the same master carries it. The publisher and the subscribers
 * are this process's, on the same machine as the master.
 */
export async function channelCapacity(
  url: string,
  channel: string,
  { subscribers, payloadBytes, durationMs }: { subscribers: number; payloadBytes: number; durationMs: number },
): Promise<ChannelFlood> {
  const clients = Array.from({ length: subscribers + 1 }, () =>
    createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } }),
  );
  for (const client of clients) client.on("error", () => undefined);
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const [publisher, ...listeners] = clients as [ReturnType<typeof createClient>, ...ReturnType<typeof createClient>[]];
    let received = 0;
    await Promise.all(listeners.map((listener) => listener.sSubscribe(channel, () => void received++, true)));
    const payload = "x".repeat(payloadBytes);
    let published = 0;
    const cpuBefore = await cpuSeconds(publisher);
    const from = now();
    const until = from + durationMs;
    // Batches written at once, so that they leave in few writes (node-redis pipelines what one turn sends).
    while (now() < until) {
      await Promise.all(Array.from({ length: batch }, () => publisher.sendCommand(["SPUBLISH", channel, payload])));
      published += batch;
    }
    const seconds = (now() - from) / 1000;
    const masterCpuSeconds = (await cpuSeconds(publisher)) - cpuBefore;
    // What was published before the end and is still on its way is counted as it lands, for a moment.
    const receivedAtEnd = received;
    const settleUntil = now() + 1000;
    while (received < published * subscribers && now() < settleUntil) await new Promise((resolve) => setTimeout(resolve, 20));
    return { subscribers, payloadBytes, seconds, published, received: Math.max(receivedAtEnd, received), masterCpuSeconds };
  } finally {
    await Promise.all(clients.map((client) => (client.isOpen ? client.disconnect().catch(() => undefined) : undefined)));
  }
}
