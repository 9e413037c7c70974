import { connectClient, type TestClient } from "@chat/test-kit";
import { now, sleep } from "../clock.ts";
import type { BenchContext } from "../context.ts";
import { callsBetween, clusterMasters, commandCalls, holdings, masterOf, subscribersOf } from "../cluster/master-stats.ts";
import { channelCapacity, listenToChannel, namespaceChannel } from "../cluster/namespace-channel.ts";
import { clusterShape, onCluster, startCluster, type StartedRedis } from "../cluster/redis-setups.ts";
import type { ClusterRoomsRun, MasterFigures } from "../results.ts";
import { redisReceived, startTarget, type TargetServer } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { roomMembers } from "./rooms.ts";
import { collectReports, connectClients, disconnectClients, drain } from "./traffic.ts";

const connectConcurrency = 100;
/** Size of a direct message's envelope on the namespace channel, for the capacity flood when the run saw none. */
const defaultEnvelopeBytes = 400;
/** Subscriber counts of the further floods: the namespace channel of deployments with that many workers. */
const widerSubscribers = [16, 64];

/**
 * Cluster rooms: the project's server (the run's worker count) on a Redis Cluster of three
 * masters with a replica each; 1,000 rooms of two members, the members dealt out to the
 * workers by the primary as they connect, a few messages in every room and a stream of direct
 * messages meanwhile. Reports, per master, the rooms' keys and streams it holds, the commands it
 * ran and the messages published on its shard channels; per worker, the pub/sub messages it
 * received; and what crossed the one channel that does not spread, the namespace's, against
 * what its master carries when flooded.
 */
export async function runClusterRooms(ctx: BenchContext): Promise<ClusterRoomsRun[]> {
  const runs: ClusterRoomsRun[] = [];
  for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
    const run = await clusterRoomsRun(ctx, repetition);
    ctx.log(
      `cluster-rooms r${repetition}: ${run.delivered} of ${run.messages} delivered, ${run.directDelivered} of ` +
        `${run.directMessages} direct; streams per master ${run.perMaster.map((master) => master.streams).join(", ")}; ` +
        `namespace channel ${run.namespaceChannel.messages} messages`,
    );
    runs.push(run);
  }
  return runs;
}

async function clusterRoomsRun(ctx: BenchContext, repetition: number): Promise<ClusterRoomsRun> {
  const { rooms, messagesPerRoom, messagesPerSecond, directMessages, drainMs, capacityMs } = ctx.options.clusterRooms;
  const { workers } = ctx.settings;
  const prefix = ctx.namespace("project");
  let redis: StartedRedis | undefined;
  let server: TargetServer | undefined;
  const direct: TestClient[] = [];
  try {
    redis = await startCluster();
    const masters = await clusterMasters(redis.seedUrl);
    server = await startTarget("project", ctx.settings, prefix, redis.env);
    await onCluster(redis, prefix, workers);
    const clients = roomMembers(rooms, [server.port, server.port]);
    const connected = await connectClients(ctx, "project", clients, { concurrency: connectConcurrency, timeoutMs: 60_000 });
    if (connected.connected < clients.length) ctx.log(`  only ${connected.connected} of ${clients.length} clients connected`);
    const [from, to] = await Promise.all(
      ["dm-from", "dm-to"].map((name) => connectClient(`http://127.0.0.1:${server?.port ?? 0}`, name, { transports: ["websocket"] })),
    );
    if (from === undefined || to === undefined) throw new Error("the direct messages' clients did not connect");
    direct.push(from, to);
    let directDelivered = 0;
    to.on("dm:new", (message) => {
      if (message.from === "dm-from") directDelivered++;
    });
    await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);

    const channel = namespaceChannel(prefix);
    const channelMaster = await masterOf(masters, channel);
    const subscribers = await subscribersOf(channelMaster.url, channel);
    const listener = await listenToChannel(channelMaster.url, channel);
    const callsBefore = await Promise.all(masters.map((master) => commandCalls(master.url)));
    const receivedBefore = await redisReceived(server, workers);

    const ratePerSender = messagesPerSecond / rooms;
    const startAt = now() + 100;
    const windowEnd = startAt + ((messagesPerRoom + 1) * 1000) / ratePerSender;
    await ctx.fleet.all({
      type: "send",
      plan: { ratePerSender, startAt, windowStart: startAt, windowEnd, messagesPerSender: messagesPerRoom },
    });
    const directSent = await sendDirect(ctx, from, directMessages, startAt, windowEnd);
    await sleep(windowEnd - now());
    await drain(ctx, windowEnd + drainMs, (totals) => totals.sent);
    // The direct messages' last deliveries, if any are still on their way.
    for (const until = now() + drainMs; directDelivered < directSent && now() < until; ) await sleep(100);
    const seconds = (now() - startAt) / 1000;

    const callsAfter = await Promise.all(masters.map((master) => commandCalls(master.url)));
    const receivedAfter = await redisReceived(server, workers);
    const traffic = await listener.stop();
    const held = await Promise.all(masters.map((master) => holdings(master.url, prefix)));
    const { totals } = await collectReports(ctx);

    const perMaster = masters.map((master, i): MasterFigures => {
      // The INFO that read the counts counts itself.
      const { info: _reading, ...byName } = callsBetween(callsBefore[i] ?? {}, callsAfter[i] ?? {});
      return {
        node: master.node,
        slots: master.slots.map(([first, last]) => `${first}-${last}`),
        ...(held[i] ?? { keys: 0, streams: 0, shardChannels: 0, subscriptions: 0, subscriptionsByConnection: [] }),
        commands: Object.values(byName).reduce((sum, calls) => sum + calls, 0),
        commandsByName: byName,
        published: byName.spublish ?? 0,
        holdsNamespaceChannel: master.node === channelMaster.node,
      };
    });

    await disconnectClients(ctx);
    for (const client of direct.splice(0)) client.disconnect();
    await server.stop();
    server = undefined;

    // What the namespace channel's master carries, on a channel of the same slot, with as many
    // subscribers as the channel had (one a worker), messages the size of those seen on it.
    const payloadBytes = traffic.messages === 0 ? defaultEnvelopeBytes : Math.round(traffic.bytes / traffic.messages);
    const flood = (floodSubscribers: number) =>
      channelCapacity(channelMaster.url, `{${channel}}capacity`, { subscribers: floodSubscribers, payloadBytes, durationMs: capacityMs });
    const capacity = await flood(Math.max(1, subscribers));
    const widerFloods = [];
    for (const more of widerSubscribers.filter((count) => count > subscribers)) widerFloods.push(await flood(more));

    return {
      repetition,
      masters: clusterShape.masters,
      replicasPerMaster: clusterShape.replicasPerMaster,
      workers,
      rooms,
      clients: clients.length,
      messages: totals.sent,
      delivered: totals.delivered,
      directMessages: directSent,
      directDelivered,
      seconds,
      perMaster,
      redisReceivedPerWorker: receivedAfter.map((count, i) => count - (receivedBefore[i] ?? Number.NaN)),
      namespaceChannel: { subscribers, ...traffic },
      namespaceCapacity: capacity,
      widerFloods,
    };
  } finally {
    for (const client of direct) client.disconnect();
    await disconnectClients(ctx);
    await server?.stop();
    await redis?.close();
  }
}

/**
 * Sends `count` direct messages, evenly spread from `startAt` to `endAt`, each waiting for its
 * ack before the next (a user types one at a time); resolves with how many were acknowledged.
 */
async function sendDirect(
  ctx: BenchContext,
  from: TestClient,
  count: number,
  startAt: number,
  endAt: number,
): Promise<number> {
  const gapMs = count === 0 ? 0 : (endAt - startAt) / count;
  let acked = 0;
  let refused = 0;
  let firstRefusal = "";
  await sleep(startAt - now());
  for (let n = 0; n < count; n++) {
    await sleep(startAt + n * gapMs - now());
    const ack = await from
      .timeout(10_000)
      .emitWithAck("dm:send", { to: "dm-to", text: `direct ${n}`, clientId: `direct-message-${n}` })
      .catch((error: unknown) => ({ ok: false as const, error: { code: "no answer", message: String(error) } }));
    if (ack.ok) {
      acked++;
    } else {
      refused++;
      firstRefusal ||= `${ack.error.code}: ${ack.error.message}`;
    }
  }
  if (refused > 0) ctx.log(`  ${refused} direct messages refused or unanswered, the first: ${firstRefusal}`);
  return acked;
}
