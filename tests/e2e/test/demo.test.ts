import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsConnections, boundedOr, fromSource, serverMain, spawnCli, spawnServer, stopAllClis, type ServerProcess } from "@chat/test-kit";

/** `pnpm demo`'s program, run from source as its package's start script does. */
const demoMain = fileURLToPath(new URL("../../../deploy/demo/src/main.ts", import.meta.url));

/** Every port the demo's summary names (Redis, the instances, their operations ports, HAProxy). */
const portsIn = (lines: readonly string[]): number[] => {
  const ports = new Set<number>();
  for (const line of lines) {
    for (const match of line.matchAll(/127\.0\.0\.1:(\d+)/g)) ports.add(Number(match[1]));
    const redis = /^Redis: .*ports ([\d, ]+)$/.exec(line);
    redis?.[1]?.split(", ").forEach((port) => ports.add(Number(port)));
  }
  return [...ports];
};

/** Whether this server takes REDIS_CLUSTER_NODES, as its usage text says. */
const serverSpeaksCluster = (): boolean =>
  spawnSync(process.execPath, [...fromSource(serverMain), "--help"], { encoding: "utf8" }).stdout.includes("REDIS_CLUSTER_NODES");

let demo: ServerProcess | undefined;

describe("pnpm demo", () => {
  afterEach(async () => {
    await stopAllClis();
    if (demo !== undefined && demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill("SIGINT");
      await boundedOr(demo.exited, 60_000, undefined);
    }
  }, 90_000);

  it("comes up, a user on one instance chats with a user on another, and Ctrl-C leaves nothing running", async () => {
    demo = spawnServer({ name: "demo", node: fromSource(demoMain), args: ["--port", "0"] });
    await demo.waitForLine(/^demo ready$/, 150_000);
    const summary = [...demo.lines];
    // On a Redis Cluster of its own whenever the server can use one.
    const redisLine = summary.find((line) => line.startsWith("Redis: ")) ?? "";
    if (serverSpeaksCluster()) expect(redisLine).toMatch(/^Redis: a Redis Cluster of 3 masters and 3 replicas, on 127\.0\.0\.1 ports \d+(, \d+){5}$/);
    else expect(redisLine).toMatch(/^Redis: one Redis server \(this server has no REDIS_CLUSTER_NODES setting, so no Redis Cluster\)/);
    const urlOf = (instance: number) => {
      const line = summary.find((each) => each.startsWith(`a user on instance${instance}:`));
      const url = /--url (\S+)$/.exec(line ?? "")?.[1];
      if (url === undefined) throw new Error(`the demo named no URL for instance${instance}:\n${summary.join("\n")}`);
      return url;
    };
    const through = /^a user through HAProxy: +pnpm --silent chat A --url (\S+)$/.exec(
      summary.find((line) => line.startsWith("a user through HAProxy:")) ?? "",
    )?.[1];
    expect(through, summary.join("\n")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const a = spawnCli(["A", "--url", urlOf(1)]);
    const b = spawnCli(["B", "--url", urlOf(2)]);
    const c = spawnCli(["C", "--url", through ?? ""]);
    await Promise.all([a, b, c].map((cli) => cli.waitForLine(/^connected, id: /, { timeoutMs: 30_000 })));
    a.send("hello across the demo");
    await b.waitForLine("hello across the demo from A", { timeoutMs: 15_000 });
    await c.waitForLine("hello across the demo from A", { timeoutMs: 15_000 });
    await stopAllClis();

    const ports = portsIn(summary);
    expect(ports.length).toBeGreaterThanOrEqual(8);
    demo.child.kill("SIGINT");
    const exit = await boundedOr(demo.exited, 60_000, "still running");
    expect(exit, demo.lines.join("\n")).toEqual({ code: 0, signal: null });
    expect(demo.lines).toContain("demo stopped; nothing of it is left running");
    const listening = [];
    for (const port of ports) if (await acceptsConnections(port)) listening.push(port);
    expect(listening, "ports of the demo still answering after it stopped").toEqual([]);
  }, 240_000);
});
