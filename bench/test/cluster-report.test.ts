import { describe, expect, it } from "vitest";
import { floodCeiling } from "../src/report/cluster-tables.ts";
import { renderTable } from "../src/report/table.ts";
import type { BenchResult, ClusterRoomsRun, MasterFigures, RedisSetup, ReplicaWaitStep } from "../src/results.ts";
import { setupsInOrder } from "../src/scenarios/replica-wait.ts";

/** The cluster scenarios' report, drawn from hand-made results as a run would write them. */

function resultWith(parts: Pick<BenchResult, "clusterRooms" | "replicaWait">): BenchResult {
  return {
    startedAt: "2025-01-01T12:00:00.000Z",
    command: "pnpm bench --only cluster-rooms,replica-wait",
    mode: "full",
    workers: 2,
    machine: { cpus: 2, cpuModel: "Test CPU", memoryGiB: 8, node: "v20.19.0", redis: "7.0.15", platform: "linux" },
    fanout: [],
    idle: [],
    storm: [],
    rooms: [],
    faults: [],
    hundredK: [],
    ...parts,
  };
}

function master(port: number, streams: number, namespace = false): MasterFigures {
  return {
    node: `127.0.0.1:${port}`,
    slots: [`${port - 7000}-${port - 6000}`],
    keys: streams * 2,
    streams,
    shardChannels: streams,
    subscriptions: streams * 2,
    subscriptionsByConnection: [streams + 1, streams - 1],
    commands: streams * 10,
    commandsByName: { evalsha: streams * 3, spublish: streams * 3, ping: streams * 4 },
    published: streams * 3,
    holdsNamespaceChannel: namespace,
  };
}

function clusterRun(): ClusterRoomsRun {
  return {
    repetition: 1,
    masters: 3,
    replicasPerMaster: 1,
    workers: 2,
    rooms: 1000,
    clients: 2000,
    messages: 3000,
    delivered: 3000,
    directMessages: 500,
    directDelivered: 500,
    seconds: 10,
    perMaster: [master(7001, 331), master(7002, 340, true), master(7003, 329)],
    redisReceivedPerWorker: [2100, 2200],
    namespaceChannel: { subscribers: 2, messages: 1000, bytes: 400_000, byType: { broadcast: 1000 }, seconds: 10 },
    namespaceCapacity: { subscribers: 2, payloadBytes: 400, seconds: 2, published: 100_000, received: 200_000, masterCpuSeconds: 0.5 },
    widerFloods: [{ subscribers: 16, payloadBytes: 400, seconds: 2, published: 40_000, received: 640_000, masterCpuSeconds: 0.8 }],
  };
}

function waitStep(setup: RedisSetup, rate: number, p99: number): ReplicaWaitStep {
  const offered = 10 * rate * 100;
  return {
    setup,
    target: "project",
    repetition: 1,
    receivers: 100,
    senders: 10,
    ratePerSender: rate,
    offeredDeliveriesPerSecond: offered,
    sent: rate * 100,
    expected: rate * 100 * 100,
    delivered: rate * 100 * 100,
    lost: 0,
    durationSeconds: 10,
    deliveriesPerSecond: offered,
    latencyMs: { p50: p99 / 4, p90: p99 / 2, p99, max: p99 * 2 },
  };
}

describe("the cluster-rooms section", () => {
  it("shows a row per master with its streams and commands, and marks the one holding the namespace channel", () => {
    const table = renderTable(resultWith({ clusterRooms: [clusterRun()] }));
    expect(table).toContain("### Cluster rooms");
    const rows = table.split("\n").filter((line) => line.startsWith("| 127.0.0.1:"));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/\| 127\.0\.0\.1:7002 .*\| +340 \|.*\| yes +\|$/);
    expect(rows[0]).not.toContain("yes");
    expect(rows[0]).toContain(" 662 (332, 330) |");
    expect(rows[0]).toContain("ping 1,324, evalsha 993, spublish 993");
  });

  it("states what the namespace channel carried against one master's ceiling", () => {
    const run = clusterRun();
    // 100,000 messages for 0.5 s of the master's CPU: 200,000 a second on one core.
    expect(floodCeiling(run.namespaceCapacity)).toBe(200_000);
    const table = renderTable(resultWith({ clusterRooms: [run] }));
    expect(table).toContain("the namespace channel carried 1,000 messages (broadcast 1,000) in 10.0 s, 100/s");
    expect(table).toContain("at most about 200,000 such messages/s");
    expect(table).toContain("the run used 0.05 % of that");
    expect(table).toContain("500 of 500 direct messages");
    expect(table).toContain("The same flood with 16 subscribers (workers), 20.0 µs a message, about 50,000/s.");
  });
});

describe("the replica-wait section", () => {
  it("puts the three setups side by side at each rate", () => {
    const steps = [1, 2].flatMap((rate) => [
      waitStep("cluster-wait", rate, 30 * rate),
      waitStep("cluster-no-wait", rate, 20 * rate),
      waitStep("single", rate, 10 * rate),
    ]);
    const table = renderTable(resultWith({ replicaWait: steps }));
    expect(table).toContain("### Replica wait");
    expect(table).toMatch(/cluster, WAIT delivered\/s .* cluster, no WAIT delivered\/s .* single Redis delivered\/s/);
    const rows = table.split("\n").filter((line) => /^\| +[12] \|/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[1]?.split("|").map((cell) => cell.trim())).toStrictEqual(
      ["", "2", "2,000", "2,000", "15.0", "60.0", "0", "2,000", "10.0", "40.0", "0", "2,000", "5.0", "20.0", "0", ""],
    );
  });

  it("turns the setups' order with each repetition, so that each goes first in turn", () => {
    expect([1, 2, 3].map((repetition) => setupsInOrder(repetition)[0])).toStrictEqual(["cluster-wait", "cluster-no-wait", "single"]);
    for (const repetition of [1, 2, 3, 4]) expect([...setupsInOrder(repetition)].sort()).toStrictEqual(["cluster-no-wait", "cluster-wait", "single"]);
  });
});
