import { randomBytes } from "node:crypto";
import { clusterWorkers, killRef, startRedisServer, type RedisServer } from "@chat/test-kit";
import { now, sleep } from "../clock.ts";
import { targetsInOrder, type BenchContext } from "../context.ts";
import type { FaultParty } from "../faults/party.ts";
import { openProjectParty } from "../faults/project-party.ts";
import { openSocketIoParty } from "../faults/socketio-party.ts";
import { Tally } from "../faults/tally.ts";
import type { FaultKind, FaultRun, TargetName } from "../results.ts";
import { startTarget, type TargetServer } from "../targets/targets.ts";

/** Longest wait for the sender's last messages to be sent or failed (the project's client gives up after a minute). */
const settleMs = 90_000;
const drainMaxMs = 30_000;

/**
 * Faults side by side: for each target, a sender streams numbered messages into a room of
 * receivers, and mid-stream one of two faults strikes: a worker is killed (SIGKILL; the first
 * of the cluster's workers), or Redis (a redis-server of the scenario's own) is stopped for a
 * few seconds and started again. Each receiver's messages are counted: delivered once,
 * more than once, never; and the messages the sender's client reported failed.
 */
export async function runFaults(ctx: BenchContext): Promise<FaultRun[]> {
  const runs: FaultRun[] = [];
  for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
    for (const fault of ["worker", "redis"] as const) {
      for (const target of targetsInOrder(repetition)) {
        const run = await faultRun(ctx, target, fault, repetition);
        ctx.log(
          `faults ${target} r${repetition} ${fault}: ${run.messages} messages to ${run.receivers} receivers: ` +
            `${run.once} once, ${run.twice} twice, ${run.lost} lost, ${run.failed} reported failed` +
            (run.deliveredThoughFailed > 0 ? ` (${run.deliveredThoughFailed} deliveries of those)` : "") +
            (run.unsettled > 0 ? `, ${run.unsettled} never settled` : "") +
            `; ${run.receiversDropped} receivers${run.senderDropped ? " and the sender" : ""} lost their connection`,
        );
        runs.push(run);
      }
    }
  }
  return runs;
}

async function faultRun(ctx: BenchContext, target: TargetName, fault: FaultKind, repetition: number): Promise<FaultRun> {
  const { receivers, messages, ratePerSecond, faultAt, redisDownMs } = ctx.options.faults;
  // A persistent Redis (every write on disk before its reply), as one that is stopped and
  // started again in production is: what was written before the stop is there after it.
  const redis = await startRedisServer({ durable: true });
  let server: TargetServer | undefined;
  let party: FaultParty | undefined;
  try {
    server = await startTarget(target, { ...ctx.settings, redisUrl: redis.url }, ctx.namespace(target));
    const tally = new Tally(receivers);
    const room = `faults-${randomBytes(3).toString("hex")}`;
    const onDelivery = (receiver: number, n: number) => tally.delivered(receiver, n);
    party =
      target === "project"
        ? await openProjectParty(server.url, room, receivers, randomBytes(3).toString("hex"), onDelivery)
        : await openSocketIoParty(server.url, room, receivers, onDelivery);

    const periodMs = 1000 / ratePerSecond;
    const start = now();
    let struck: Promise<void> = Promise.resolve();
    let unsettled = 0;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < messages; i++) {
      if (i === faultAt) struck = strike(fault, server, redis, redisDownMs);
      const n = tally.sending();
      unsettled++;
      const sending = party.send(n);
      sends.push(
        sending.then((sent) => {
          unsettled--;
          if (!sent) tally.failedToSend(n);
        }),
      );
      await sleep(start + (i + 1) * periodMs - now());
    }
    await struck;
    await Promise.race([Promise.all(sends), sleep(settleMs)]);
    await drain(tally, ctx.options.faults.stallMs);
    const dropped = party.dropped();
    return { target, repetition, fault, ...tally.result(), unsettled, receiversDropped: dropped.receivers, senderDropped: dropped.sender };
  } finally {
    await party?.close();
    await server?.stop();
    await redis.dispose();
  }
}

async function strike(fault: FaultKind, server: TargetServer, redis: RedisServer, redisDownMs: number): Promise<void> {
  if (fault === "worker") {
    const [first] = [...clusterWorkers(server.pid).entries()].sort(([a], [b]) => a - b);
    if (first === undefined) throw new Error(`${server.target}: no worker to kill`);
    killRef(first[1]);
    return;
  }
  await redis.shutdown();
  await sleep(redisDownMs);
  await redis.start();
}

/** Waits until every message not reported failed has reached every receiver, or nothing has arrived for a while. */
async function drain(tally: Tally, stallMs: number): Promise<void> {
  const deadline = now() + drainMaxMs;
  let last = tally.deliveries();
  let lastMove = now();
  while (tally.missing() > 0 && now() < deadline && now() - lastMove < stallMs) {
    await sleep(250);
    const deliveries = tally.deliveries();
    if (deliveries !== last) {
      last = deliveries;
      lastMove = now();
    }
  }
  // Doubles arrive after the first copy: a moment more for them to show.
  await sleep(1000);
}
