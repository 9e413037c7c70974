import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromSource } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchResult, TargetName } from "../src/results.ts";

/**
 * The harness end to end, as a user runs it: `--smoke` (tiny loads, all three servers, every
 * scenario) in a child process, then what it printed and wrote. Only behaviour is checked;
 * the numbers of a smoke run on a shared machine say nothing.
 */

const benchDir = fileURLToPath(new URL("../", import.meta.url));
const targets: TargetName[] = ["project", "reference", "streams"];
/** Only to stop a hang: the smoke run takes about two minutes alone on the machine, more on a busy one. */
const runTimeoutMs = 480_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, fromSource("src/main.ts", ...args), {
      cwd: benchDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGINT");
      reject(new Error(`the smoke run did not finish within ${runTimeoutMs} ms:\n${stderr}`));
    }, runTimeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** JSON has no NaN: a figure that could not be measured reads back as null. */
type Read<T> = T extends number
  ? number | null
  : T extends (infer U)[]
    ? Read<U>[]
    : T extends object
      ? { [K in keyof T]: Read<T[K]> }
      : T;

/** Tags opened and not closed, or closed without being open: none in well-formed XML. */
function unbalancedTags(xml: string): string[] {
  const open: string[] = [];
  const wrong: string[] = [];
  for (const [tag, closing, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z][\w:.-]*)\b[^>]*?(\/?)>/g)) {
    if (selfClosing === "/") continue;
    if (closing === "") open.push(name ?? "");
    else if (open.pop() !== name) wrong.push(tag);
  }
  return [...wrong, ...open.map((name) => `<${name}> not closed`)];
}

let out: string;
let run: Run;
let result: Read<BenchResult>;
let svg: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "chat-bench-smoke-"));
  run = await runBench(["--smoke", "--out", out]);
  if (run.code !== 0) return;
  result = JSON.parse(await readFile(join(out, "latest.json"), "utf8")) as Read<BenchResult>;
  svg = await readFile(join(out, "fanout-latency.svg"), "utf8");
}, runTimeoutMs + 10_000);

afterAll(async () => {
  if (out !== undefined) await rm(out, { recursive: true, force: true });
});

describe("pnpm bench --smoke", () => {
  it("finishes, says it was a smoke run, and prints the table on stdout", () => {
    expect(run.code, run.stderr).toBe(0);
    expect(result.mode).toBe("smoke");
    expect(run.stdout).toMatch(/^\|.*\|$/m);
    for (const target of targets) expect(run.stdout).toContain(target);
  });

  it("measures all three servers in every scenario", () => {
    for (const scenario of ["fanout", "idle", "storm", "rooms"] as const) {
      const measured = new Set(result[scenario].map((entry) => entry.target));
      expect([...measured].sort(), scenario).toStrictEqual(targets);
    }
  });

  it("delivers every message to every receiver at the lowest fan-out load", () => {
    const lowest = Math.min(...result.fanout.map((step) => step.ratePerSender ?? Infinity));
    for (const target of targets) {
      const steps = result.fanout.filter((step) => step.target === target && step.ratePerSender === lowest);
      expect(steps.length, target).toBeGreaterThan(0);
      for (const step of steps) {
        expect(step.sent, target).toBeGreaterThan(0);
        expect(step.expected, target).toBe((step.sent ?? 0) * (step.receivers ?? 0));
        expect(step.delivered, target).toBe(step.expected);
        expect(step.lost, target).toBe(0);
        expect(step.receiversReached, target).toBe(step.receivers);
      }
    }
  });

  it("connects every client of the storm, none refused or left hanging", () => {
    for (const storm of result.storm) {
      expect(storm.connected, storm.target).toBe(storm.clients);
      expect(storm.failed, storm.target).toBe(0);
      expect(storm.hanging, storm.target).toBe(0);
      expect(storm.secondsToAllConnected, storm.target).not.toBeNull();
    }
  });

  it("shows every worker of both references receiving every room's messages, and the project's second instance fewer", () => {
    for (const rooms of result.rooms) {
      expect(rooms.messages, rooms.target).toBeGreaterThan(0);
      expect(rooms.delivered, rooms.target).toBe(rooms.messages);
      expect(rooms.redisReceivedPerWorker).toHaveLength((rooms.instances ?? 0) * (rooms.workersPerInstance ?? 0));
    }
    for (const rooms of result.rooms.filter((run) => run.target !== "project")) {
      for (const count of rooms.redisReceivedPerWorker) expect(count).toBeGreaterThanOrEqual(rooms.messages ?? Infinity);
    }
    for (const rooms of result.rooms.filter((run) => run.target === "project")) {
      // Null until the project exports chat_redis_messages_received_total.
      if (rooms.redisReceivedPerWorker.some((count) => count === null)) continue;
      // The second instance hosts half the rooms: its workers need only those rooms' messages.
      const perInstance = rooms.workersPerInstance ?? 0;
      const secondInstance = rooms.redisReceivedPerWorker.slice(perInstance, 2 * perInstance);
      for (const count of secondInstance) expect(count).toBeLessThan(rooms.messages ?? 0);
    }
  });

  it("counts every message of the faults' streams, for every target and both faults, and the project loses and doubles none", () => {
    for (const fault of ["worker", "redis"] as const) {
      const runs = result.faults.filter((run) => run.fault === fault);
      expect(runs.map((run) => run.target).sort(), fault).toStrictEqual(targets);
      for (const run of runs) {
        const label = `${run.target} ${fault}`;
        expect(run.messages, label).toBeGreaterThan(0);
        // Every pair of a message not reported failed is counted once: delivered once, more, or lost.
        const pairs = ((run.messages ?? 0) - (run.failed ?? 0)) * (run.receivers ?? 0);
        expect((run.once ?? 0) + (run.twice ?? 0) + (run.lost ?? 0), label).toBe(pairs);
      }
      const ours = runs.find((run) => run.target === "project");
      expect(ours?.lost, fault).toBe(0);
      expect(ours?.twice, fault).toBe(0);
      expect(ours?.failed, fault).toBe(0);
      expect(ours?.once, fault).toBe((ours?.messages ?? 0) * (ours?.receivers ?? 0));
    }
  });

  it("connects every client of the hundred-k scenario (scaled down) and delivers each broadcast to all of them", () => {
    const [run] = result.hundredK;
    expect(run).toBeDefined();
    expect(run?.connected).toBe(run?.clients);
    expect(run?.failed).toBe(0);
    expect(run?.hanging).toBe(0);
    expect(run?.broadcast.messages).toBeGreaterThan(0);
    expect(run?.broadcast.receivers).toBe((run?.clients ?? 0) - 1);
    expect(run?.broadcast.delivered).toBe(run?.broadcast.expected);
    expect(run?.broadcast.lost).toBe(0);
    // Idle, the server still refreshes presence: Redis hears from it.
    expect(run?.idle.redisCallsPerSecond).toBeGreaterThan(0);
    expect(run?.idle.workerCpuPercent).toHaveLength(run?.workers ?? 0);
  });

  it("runs the project on a Redis Cluster: every room message and direct message delivered, the rooms spread over the masters", () => {
    const runs = result.clusterRooms ?? [];
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.messages).toBeGreaterThan(0);
      expect(run.delivered).toBe(run.messages);
      expect(run.directMessages).toBeGreaterThan(0);
      expect(run.directDelivered).toBe(run.directMessages);
      expect(run.perMaster).toHaveLength(run.masters ?? 0);
      // Every room keeps a stream; their hash tags put them on more than one master.
      const streams = run.perMaster.map((master) => master.streams ?? 0);
      expect(streams.reduce((sum, held) => sum + held, 0)).toBeGreaterThanOrEqual(run.rooms ?? Infinity);
      expect(streams.filter((held) => held > 0).length).toBeGreaterThan(1);
      expect(run.perMaster.filter((master) => master.holdsNamespaceChannel)).toHaveLength(1);
      expect(run.redisReceivedPerWorker).toHaveLength(run.workers ?? 0);
      // Each direct message crosses the namespace channel, which every worker subscribes to.
      expect(run.namespaceChannel.subscribers).toBeGreaterThanOrEqual(run.workers ?? Infinity);
      expect(run.namespaceChannel.messages).toBeGreaterThanOrEqual(run.directMessages ?? Infinity);
      expect(run.namespaceCapacity.published).toBeGreaterThan(0);
      expect(run.namespaceCapacity.received).toBeGreaterThan(0);
      for (const flood of run.widerFloods ?? []) expect(flood.received, `${flood.subscribers} subscribers`).toBeGreaterThan(0);
    }
    expect(run.stdout).toContain("### Cluster rooms");
  });

  it("fans out on a cluster with and without WAIT and on a single Redis, every message delivered to every receiver", () => {
    const steps = result.replicaWait ?? [];
    expect([...new Set(steps.map((step) => step.setup))].sort()).toStrictEqual(["cluster-no-wait", "cluster-wait", "single"]);
    for (const step of steps) {
      expect(step.sent, step.setup).toBeGreaterThan(0);
      expect(step.delivered, step.setup).toBe((step.sent ?? 0) * (step.receivers ?? 0));
      expect(step.lost, step.setup).toBe(0);
      expect(step.receiversReached, step.setup).toBe(step.receivers);
    }
    expect(run.stdout).toContain("### Replica wait");
  });

  it("draws the fan-out latencies as an SVG with a line for each server", () => {
    const body = svg.trimStart().replace(/^<\?xml[^>]*\?>\s*/, "");
    expect(body.startsWith("<svg")).toBe(true);
    expect(unbalancedTags(body)).toStrictEqual([]);
    const lines = svg.match(/<(polyline|path)\b[^>]*>/g) ?? [];
    for (const target of targets) expect(lines.some((line) => line.includes(target)), target).toBe(true);
  });
});
