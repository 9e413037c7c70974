import { sleep } from "../clock.ts";
import { targetsInOrder, type BenchContext } from "../context.ts";
import type { ClientSpec } from "../generator/wire.ts";
import type { IdleStep } from "../results.ts";
import { treeRssBytes } from "@chat/test-kit";
import { startTarget } from "../targets/targets.ts";
import { quiet } from "./quiet.ts";
import { connectClients, disconnectClients } from "./traffic.ts";

const connectConcurrency = 200;

/**
 * Memory per idle connection: a fresh server's resident memory (primary and workers) with no
 * client, then with each number of connected clients that do nothing; the growth over the
 * baseline divided by the clients. The project's clients only connect (no room joins).
 */
export async function runIdle(ctx: BenchContext): Promise<IdleStep[]> {
  const steps: IdleStep[] = [];
  for (let repetition = 1; repetition <= ctx.options.repetitions; repetition++) {
    for (const target of targetsInOrder(repetition)) {
      const server = await startTarget(target, ctx.settings, ctx.namespace(target));
      try {
        await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
        const rssBaselineBytes = treeRssBytes(server.pid);
        let asked = 0;
        let connected = 0;
        for (const clients of ctx.options.idle.clients) {
          const more = Array.from(
            { length: clients - asked },
            (_, i): ClientSpec => ({ name: `i${asked + i}`, role: "idle", port: server.port }),
          );
          asked = clients;
          const outcome = await connectClients(ctx, target, more, { concurrency: connectConcurrency, timeoutMs: 60_000 });
          connected += outcome.connected;
          // Memory is read once what the arrivals set going (presence updates, say) is done.
          await quiet([server], ctx.options.quietMs, ctx.options.quietSampleMs);
          await sleep(ctx.options.idle.settleMs);
          const rssBytes = treeRssBytes(server.pid);
          const step: IdleStep = {
            target,
            repetition,
            clients,
            connected,
            rssBaselineBytes,
            rssBytes,
            bytesPerConnection: connected === 0 ? Number.NaN : (rssBytes - rssBaselineBytes) / connected,
          };
          ctx.log(
            `idle ${target} r${repetition} ${connected} of ${clients} clients connected: ` +
              `${Math.round(step.bytesPerConnection / 1024)} KiB per connection`,
          );
          steps.push(step);
        }
      } finally {
        // Stopped before its clients leave: the departures of thousands are not what is measured.
        await server.stop();
        await disconnectClients(ctx);
      }
    }
  }
  return steps;
}
