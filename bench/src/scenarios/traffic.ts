import { now, sleep } from "../clock.ts";
import type { BenchContext } from "../context.ts";
import { deal } from "../generator/fleet.ts";
import type { ClientSpec, Connected, Dialect, Progress, Report } from "../generator/wire.ts";

/** The generators' replies, added up. */
export interface Totals {
  sent: number;
  pending: number;
  delivered: number;
  receivers: number;
}

const add = (replies: readonly Omit<Progress, "type" | "id">[]): Totals => ({
  sent: replies.reduce((sum, reply) => sum + reply.sent, 0),
  pending: replies.reduce((sum, reply) => sum + reply.pending, 0),
  delivered: replies.reduce((sum, reply) => sum + reply.delivered, 0),
  receivers: replies.reduce((sum, reply) => sum + reply.receivers, 0),
});

export interface ConnectOutcome {
  connected: number;
  failed: number;
  hanging: number;
  lastConnectedAt: number | null;
}

/**
 * Connects `clients`, dealt out to the generators, `concurrency` at a time in each, and
 * waits until every one is connected (and in its room), refused, or given up on.
 */
export async function connectClients(
  ctx: BenchContext,
  dialect: Dialect,
  clients: readonly ClientSpec[],
  { concurrency, timeoutMs }: { concurrency: number; timeoutMs: number },
): Promise<ConnectOutcome> {
  const hands = deal(clients, ctx.fleet.size);
  const replies: Connected[] = await ctx.fleet.each((g) => {
    const hand = hands[g] ?? [];
    return hand.length === 0 ? undefined : { type: "connect", dialect, clients: hand, concurrency, timeoutMs };
  });
  const outcome: ConnectOutcome = { connected: 0, failed: 0, hanging: 0, lastConnectedAt: null };
  for (const reply of replies) {
    outcome.connected += reply.connected;
    outcome.failed += reply.failed;
    outcome.hanging += reply.hanging;
    if (reply.lastConnectedAt !== null) outcome.lastConnectedAt = Math.max(outcome.lastConnectedAt ?? 0, reply.lastConnectedAt);
  }
  const errors = replies.flatMap((reply) => reply.errors);
  if (outcome.failed + outcome.hanging > 0) {
    ctx.log(`  ${outcome.failed} clients failed, ${outcome.hanging} hanging${errors.length > 0 ? `, e.g. ${errors.slice(0, 3).join("; ")}` : ""}`);
  }
  return outcome;
}

export const disconnectClients = async (ctx: BenchContext): Promise<void> => {
  await ctx.fleet.all({ type: "disconnect" });
};

/**
 * After the window: waits until the receivers have got the `expected` deliveries and no send
 * awaits its ack, or until nothing has moved for a few seconds, or at most until `deadline`.
 */
export async function drain(ctx: BenchContext, deadline: number, expected: (totals: Totals) => number): Promise<void> {
  const stallMs = 3000;
  let last = "";
  let lastMove = now();
  for (;;) {
    const totals = add(await ctx.fleet.all({ type: "progress" }));
    if (totals.pending === 0 && totals.delivered >= expected(totals)) return;
    const seen = `${totals.delivered}/${totals.pending}/${totals.sent}`;
    if (seen !== last) {
      last = seen;
      lastMove = now();
    }
    if (now() >= deadline || now() - lastMove >= stallMs) return;
    await sleep(250);
  }
}

/** Every generator's final count for the window. */
export async function collectReports(ctx: BenchContext): Promise<{ totals: Totals; reports: Report[] }> {
  const reports = await ctx.fleet.all({ type: "report" });
  return { totals: add(reports), reports };
}
