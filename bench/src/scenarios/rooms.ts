import { now, sleep } from "../clock.ts";
import { targetsInOrder, type BenchContext } from "../context.ts";
import type { ClientSpec } from "../generator/wire.ts";
import type { RoomsRun, TargetName } from "../results.ts";
import type { TargetServer } from "../targets/targets.ts";
import { redisReceived, startTarget } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { collectReports, connectClients, disconnectClients, drain } from "./traffic.ts";

const instances = 2;
const connectConcurrency = 100;

/**
 * Who is where: two members per room. The first member of every room is on instance 0; in
 * the first half of the rooms the second member is there too, in the other half it is on
 * instance 1. So instance 0 hosts every room and instance 1 half of them, and a server that
 * sends each worker only the traffic of its own rooms shows it in instance 1's counts. One
 * member sends (in the shared rooms, alternately the one on either instance), the other receives.
 */
export function roomMembers(rooms: number, ports: readonly [number, number]): ClientSpec[] {
  const half = Math.floor(rooms / 2);
  return Array.from({ length: rooms }, (_, i): ClientSpec[] => {
    const room = `room${i}`;
    const secondOnOther = i >= half;
    const firstSends = !secondOnOther || i % 2 === 0;
    return [
      { name: `a${i}`, room, role: firstSends ? "sender" : "receiver", port: ports[0] },
      { name: `b${i}`, room, role: firstSends ? "receiver" : "sender", port: ports[secondOnOther ? 1 : 0] },
    ];
  }).flat();
}

/**
 * Many rooms: two instances of the target (same Redis, same prefix or key), 1,000 rooms of two
 * members, a few messages in each room at a moderate total rate. Counts the deliveries and the
 * Redis pub/sub messages each worker received while the messages went out: what sharing one
 * Redis costs each worker when most traffic is not for it.
 */
export async function runRooms(ctx: BenchContext): Promise<RoomsRun[]> {
  const runs: RoomsRun[] = [];
  for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
    for (const target of targetsInOrder(repetition)) {
      const run = await roomsRun(ctx, target, repetition);
      ctx.log(
        `rooms ${target} r${repetition}: ${run.delivered} of ${run.messages} delivered; Redis messages per worker ` +
          `${run.redisReceivedPerWorker.join(", ")}`,
      );
      runs.push(run);
    }
  }
  return runs;
}

async function roomsRun(ctx: BenchContext, target: TargetName, repetition: number): Promise<RoomsRun> {
  const { rooms, messagesPerRoom, messagesPerSecond, drainMs } = ctx.options.rooms;
  const { workers } = ctx.settings;
  const namespace = ctx.namespace(target);
  const servers: TargetServer[] = [];
  try {
    // Started together: each waits mostly for its workers to load their code.
    const starts = await Promise.allSettled(
      Array.from({ length: instances }, async () => servers.push(await startTarget(target, ctx.settings, namespace))),
    );
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const [first, second] = servers as [TargetServer, TargetServer];
    const clients = roomMembers(rooms, [first.port, second.port]);
    await connectClients(ctx, target, clients, { concurrency: connectConcurrency, timeoutMs: 60_000 });
    await quiet(servers, ctx.options.quietMs, ctx.options.quietSampleMs);

    const countNow = async () => (await Promise.all(servers.map((server) => redisReceived(server, workers)))).flat();
    const before = await countNow();
    const ratePerSender = messagesPerSecond / rooms;
    const startAt = now() + 100;
    // One period more than the messages need: each sender's schedule starts somewhere in its first period.
    const windowEnd = startAt + ((messagesPerRoom + 1) * 1000) / ratePerSender;
    await ctx.fleet.all({
      type: "send",
      plan: { ratePerSender, startAt, windowStart: startAt, windowEnd, messagesPerSender: messagesPerRoom },
    });
    await sleep(windowEnd - now());
    // Each message has one member to reach: the other one in its room.
    await drain(ctx, windowEnd + drainMs, (totals) => totals.sent);
    const after = await countNow();
    const { totals } = await collectReports(ctx);

    const perWorker = after.map((count, i) => count - (before[i] ?? Number.NaN));
    return {
      target,
      repetition,
      instances,
      workersPerInstance: workers,
      rooms,
      clients: clients.length,
      messages: totals.sent,
      delivered: totals.delivered,
      redisReceivedPerWorker: perWorker,
      redisReceivedPerWorkerPerMessage: perWorker.map((count) => count / totals.sent),
      redisReceivedPerDelivery: perWorker.reduce((sum, count) => sum + count, 0) / totals.delivered,
      roomsPerInstance: [rooms, rooms - Math.floor(rooms / 2)],
    };
  } finally {
    await disconnectClients(ctx);
    await Promise.all(servers.map((server) => server.stop()));
  }
}
