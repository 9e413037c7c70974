import { randomBytes } from "node:crypto";
import type { Histogram } from "hdr-histogram-js";
import { now } from "../clock.ts";
import { encodeHistogram, latencyHistogram, recordLatency } from "../histogram.ts";
import { dialects, type DialectSpeech } from "./dialects.ts";
import { EngineClient } from "@chat/test-kit/engine-client";
import type { ClientSpec, Connected, FromGenerator, Report, SendPlan, ToGenerator } from "./wire.ts";

/**
 * A load generator: a child process of the orchestrator that holds many clients, bound to
 * loopback addresses of its own, and does what the orchestrator's commands say (wire.ts).
 */

const index = Number(process.argv[2] ?? 0);
/**
 * Generator g binds its clients to 127.0.(1+g).1 to .254 in turn. Every closed connection
 * keeps its port on its address for a minute (TIME_WAIT), and a run opens tens of thousands:
 * on one address each, the next runs' connects would spend seconds of kernel time looking
 * for a free port, and then find none.
 */
let nextHost = 0;
const nextLocalAddress = () => `127.0.${1 + index}.${1 + (nextHost++ % 254)}`;
/** How often the senders look at their schedule. */
const tickMs = 5;
/** A sender with this many messages unacked skips the ones that fall due: the server is behind. */
const maxPendingPerSender = 1000;

interface Member {
  spec: ClientSpec;
  client: EngineClient;
  /** Got at least one message of the current window (receivers). */
  reached: boolean;
}

let speech: DialectSpeech = dialects.project;
let members: Member[] = [];
let sendTimer: NodeJS.Timeout | undefined;
/** The current plan's times: what counts as sent, delivered and arrived. */
let measured: Pick<SendPlan, "startAt" | "windowStart" | "windowEnd"> | undefined;
let histogram: Histogram = latencyHistogram();
/** Every client opened and not yet closed, members or not: one still connecting when its command gave up is closed later. */
const opened = new Set<EngineClient>();
const counts = { due: 0, sent: 0, delivered: 0, arrived: 0 };

const reply = (message: FromGenerator) => process.send?.(message);

const inWindow = (t: number) => measured !== undefined && t >= measured.windowStart && t < measured.windowEnd;

function receive(member: Member, frame: string): void {
  const time = now();
  for (const stamp of speech.stampsOf(frame)) {
    // Whenever it was sent, a message of this plan arriving during the window is throughput.
    if (measured !== undefined && stamp.t >= measured.startAt && inWindow(time)) counts.arrived++;
    if (!inWindow(stamp.t)) continue;
    counts.delivered++;
    member.reached = true;
    recordLatency(histogram, time - stamp.t);
  }
}

type Outcome = { member: Member } | { error: string } | "hanging";

/**
 * Opens one client and resolves once it is connected and prepared, or failed, or at `deadline`
 * still neither: then it is closed, so that nothing connecting late is left behind uncounted.
 */
function open(spec: ClientSpec, deadline: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let member: Member | undefined = undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (typeof outcome === "string" || "error" in outcome) {
        client.terminate();
        opened.delete(client);
      } else {
        member = outcome.member;
      }
      resolve(outcome);
    };
    const client = new EngineClient({
      port: spec.port,
      localAddress: nextLocalAddress(),
      auth: speech.auth(spec),
      // Only receivers look into what they get; senders and idle clients let it pass.
      onEvent: spec.role === "receiver" ? (frame) => member !== undefined && receive(member, frame) : () => {},
      onConnected: () => {
        speech.prepare(client, spec).then(
          () => settle({ member: { spec, client, reached: false } }),
          (error: unknown) => settle({ error: error instanceof Error ? error.message : String(error) }),
        );
      },
      onFailed: (reason) => settle({ error: reason }),
    });
    opened.add(client);
    if (!settled) timer = setTimeout(() => settle("hanging"), Math.max(0, deadline - now()));
  });
}

async function connect(
  { id, dialect, clients, concurrency, timeoutMs }: Extract<ToGenerator, { type: "connect" }>,
): Promise<Connected> {
  speech = dialects[dialect];
  const result: Connected = { type: "connected", id, connected: 0, failed: 0, hanging: 0, lastConnectedAt: null, errors: [] };
  const deadline = now() + timeoutMs;
  const queue = [...clients];
  const worker = async () => {
    for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
      // Past the deadline, the clients not yet opened count as hanging too.
      const outcome = now() < deadline ? await open(spec, deadline) : "hanging";
      if (outcome === "hanging") {
        result.hanging++;
      } else if ("member" in outcome) {
        members.push(outcome.member);
        result.connected++;
        result.lastConnectedAt = Math.max(result.lastConnectedAt ?? 0, now());
      } else {
        result.failed++;
        if (result.errors.length < 5) result.errors.push(`${spec.name}: ${outcome.error}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, worker));
  return result;
}

function startSending(plan: SendPlan): void {
  stopSending();
  measured = { startAt: plan.startAt, windowStart: plan.windowStart, windowEnd: plan.windowEnd };
  histogram.destroy();
  histogram = latencyHistogram();
  Object.assign(counts, { due: 0, sent: 0, delivered: 0, arrived: 0 });
  for (const member of members) member.reached = false;

  const periodMs = 1000 / plan.ratePerSender;
  // Per sender: the next message's number, and a random phase, so that the senders' messages
  // do not all fall due together.
  const schedule = members
    .filter((member) => member.spec.role === "sender")
    .map((member) => ({ member, next: 0, phase: Math.random() }));
  const tag = randomBytes(4).toString("hex");
  const tick = () => {
    const time = now();
    for (const entry of schedule) {
      const { member } = entry;
      for (;;) {
        const due = plan.startAt + (entry.next + entry.phase) * periodMs;
        if (due > time || due >= plan.windowEnd) break;
        if (plan.messagesPerSender !== undefined && entry.next >= plan.messagesPerSender) break;
        const n = entry.next++;
        const stamp = { t: now(), s: member.spec.name, n };
        if (inWindow(stamp.t)) counts.due++;
        // Skipped, not queued: a sender that waited for the server would hide its slowness.
        if (!member.client.open || member.client.pendingAcks >= maxPendingPerSender) continue;
        // Unique in the run: the project stores a message once per user and client id.
        const clientId = `${tag}-${member.spec.name}-${n}`.slice(-64);
        speech.send(member.client, member.spec, stamp, clientId, (sent) => {
          if (sent && inWindow(stamp.t)) counts.sent++;
        });
      }
    }
    if (time >= plan.windowEnd) stopSending();
  };
  sendTimer = setInterval(tick, tickMs);
}

function stopSending(): void {
  clearInterval(sendTimer);
  sendTimer = undefined;
}

const pending = () => members.reduce((sum, member) => sum + member.client.pendingAcks, 0);

function report(id: number): Report {
  stopSending();
  const receivers = members.filter((member) => member.spec.role === "receiver");
  return {
    type: "report",
    id,
    due: counts.due,
    arrived: counts.arrived,
    sent: counts.sent,
    pending: pending(),
    delivered: counts.delivered,
    receivers: receivers.length,
    receiversReached: receivers.filter((member) => member.reached).length,
    histogram: encodeHistogram(histogram),
  };
}

async function disconnect(): Promise<void> {
  stopSending();
  measured = undefined;
  const leaving = members;
  members = [];
  await Promise.all(leaving.map((member) => member.client.close()));
  for (const client of opened) client.terminate();
  opened.clear();
}

async function handle(command: ToGenerator): Promise<void> {
  switch (command.type) {
    case "connect":
      reply(await connect(command));
      return;
    case "send":
      startSending(command.plan);
      reply({ type: "sending", id: command.id });
      return;
    case "progress":
      reply({
        type: "progress",
        id: command.id,
        sent: counts.sent,
        pending: pending(),
        delivered: counts.delivered,
        receivers: members.filter((member) => member.spec.role === "receiver").length,
      });
      return;
    case "report":
      reply(report(command.id));
      return;
    case "disconnect":
      await disconnect();
      reply({ type: "disconnected", id: command.id });
      return;
    case "exit":
      stopSending();
      for (const client of opened) client.terminate();
      process.exit(0);
  }
}

process.on("message", (command: ToGenerator) => {
  handle(command).catch((error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (command.type !== "exit") reply({ type: "failed", id: command.id, message });
  });
});
// The orchestrator gone, nothing is left to do.
process.on("disconnect", () => process.exit(0));
reply({ type: "ready" });
