import { describe, expect, it } from "vitest";
import { renderChart } from "../src/report/chart.ts";
import { renderTable } from "../src/report/table.ts";
import { judgeTargets, type Verdict } from "../src/report/targets.ts";
import type { BenchResult, FanoutStep, FaultRun, HundredKRun, IdleStep, RoomsRun, StormRun, TargetName } from "../src/results.ts";

/**
 * The report drawn from hand-made results: which targets count as met, what the markdown
 * shows and what the chart draws. No benchmark runs here; the inputs are the figures a run
 * would have written to results/latest.json.
 */

const RECEIVERS = 100;
const SENDERS = 10;

function emptyResult(): BenchResult {
  return {
    startedAt: "2025-01-01T12:00:00.000Z",
    command: "pnpm bench",
    mode: "full",
    workers: 2,
    machine: { cpus: 2, cpuModel: "Test CPU", memoryGiB: 8, node: "v20.19.0", redis: "7.2.4", platform: "linux" },
    fanout: [],
    idle: [],
    storm: [],
    rooms: [],
    faults: [],
    hundredK: [],
  };
}

interface StepFigures {
  rate: number;
  delivered: number;
  p50: number;
  p99: number;
  lost?: number;
  repetition?: number;
  max?: number;
}

function step(target: TargetName, figures: StepFigures): FanoutStep {
  const lost = figures.lost ?? 0;
  const offered = SENDERS * figures.rate * RECEIVERS;
  return {
    target,
    repetition: figures.repetition ?? 1,
    receivers: RECEIVERS,
    senders: SENDERS,
    ratePerSender: figures.rate,
    offeredDeliveriesPerSecond: offered,
    sent: offered * 10,
    expected: offered * 10 * RECEIVERS,
    delivered: offered * 10 * RECEIVERS - lost,
    lost,
    durationSeconds: 10,
    deliveriesPerSecond: figures.delivered,
    latencyMs: { p50: figures.p50, p90: (figures.p50 + figures.p99) / 2, p99: figures.p99, max: figures.max ?? figures.p99 * 2 },
  };
}

function idle(target: TargetName, clients: number, bytesPerConnection: number, repetition = 1): IdleStep {
  const baseline = 100 * 1024 * 1024;
  return {
    target,
    repetition,
    clients,
    rssBaselineBytes: baseline,
    rssBytes: baseline + clients * bytesPerConnection,
    bytesPerConnection,
  };
}

function storm(target: TargetName, figures: Partial<StormRun> & { seconds: number | null }): StormRun {
  const clients = figures.clients ?? 5000;
  return {
    target,
    repetition: figures.repetition ?? 1,
    clients,
    connected: figures.connected ?? clients,
    failed: figures.failed ?? 0,
    hanging: figures.hanging ?? 0,
    secondsToAllConnected: figures.seconds,
  };
}

function rooms(target: TargetName, perWorkerPerMessage: number[], perDelivery: number): RoomsRun {
  const messages = 1000;
  return {
    target,
    instances: 2,
    workersPerInstance: 2,
    rooms: 200,
    clients: 2000,
    messages,
    delivered: 10_000,
    redisReceivedPerWorker: perWorkerPerMessage.map((share) => Math.round(share * messages)),
    redisReceivedPerWorkerPerMessage: perWorkerPerMessage,
    redisReceivedPerDelivery: perDelivery,
  };
}

function verdict(result: BenchResult, name: string): Verdict {
  const found = judgeTargets(result).find((v) => v.name.startsWith(name));
  if (found === undefined) throw new Error(`no verdict named ${name}`);
  return found;
}

/** A sweep where the project saturates at 180k deliveries/s and the reference at 100k. */
function goodSweep(): FanoutStep[] {
  return [
    step("project", { rate: 10, delivered: 10_000, p50: 0.8, p99: 3 }),
    step("project", { rate: 50, delivered: 50_000, p50: 1.2, p99: 8 }),
    step("project", { rate: 100, delivered: 100_000, p50: 2, p99: 20 }),
    step("project", { rate: 180, delivered: 180_000, p50: 6, p99: 60 }),
    step("reference", { rate: 10, delivered: 10_000, p50: 1.5, p99: 9 }),
    step("reference", { rate: 50, delivered: 50_000, p50: 4, p99: 45 }),
    step("reference", { rate: 100, delivered: 100_000, p50: 30, p99: 150 }),
    step("reference", { rate: 180, delivered: 120_000, p50: 400, p99: 2500, lost: 5000 }),
  ];
}

describe("fan-out at saturation", () => {
  it("is met when the project's best loss-free throughput is at least 1.5 × the reference's", () => {
    const v = verdict({ ...emptyResult(), fanout: goodSweep() }, "Fan-out at saturation");
    expect(v.met).toBe(true);
    expect(v.project).toBe(180_000);
    // The reference's 120k step lost deliveries, so its saturation is the loss-free 100k.
    expect(v.reference).toBe(100_000);
    expect(v.ratio).toBeCloseTo(1.8);
    expect(v.detail).toContain("180,000");
  });

  it("does not count the project's best level when it lost deliveries there", () => {
    const fanout = goodSweep().map((s) =>
      s.target === "project" && s.ratePerSender === 180 ? { ...s, lost: 12 } : s,
    );
    const v = verdict({ ...emptyResult(), fanout }, "Fan-out at saturation");
    expect(v.project).toBe(100_000);
    expect(v.met).toBe(false);
    expect(v.detail).toContain("lost 12");
  });

  it("does not count a level where only one of the repetitions lost something", () => {
    const fanout = [
      ...goodSweep(),
      step("project", { rate: 180, delivered: 180_000, p50: 6, p99: 60, repetition: 2, lost: 3 }),
    ];
    const v = verdict({ ...emptyResult(), fanout }, "Fan-out at saturation");
    expect(v.project).toBe(100_000);
    expect(v.met).toBe(false);
  });

  it("averages the repetitions of a step", () => {
    const fanout = [
      ...goodSweep().filter((s) => !(s.target === "project" && s.ratePerSender === 180)),
      step("project", { rate: 180, delivered: 140_000, p50: 6, p99: 60, repetition: 1 }),
      step("project", { rate: 180, delivered: 160_000, p50: 6, p99: 60, repetition: 2 }),
    ];
    const v = verdict({ ...emptyResult(), fanout }, "Fan-out at saturation");
    expect(v.project).toBe(150_000);
    expect(v.met).toBe(true);
  });

  it("is not met when the project lost deliveries at every level", () => {
    const fanout = goodSweep().map((s) => (s.target === "project" ? { ...s, lost: 1 } : s));
    const v = verdict({ ...emptyResult(), fanout }, "Fan-out at saturation");
    expect(v.met).toBe(false);
    expect(v.project).toBeNull();
  });

  it("is not judged when fan-out was not run", () => {
    const v = verdict(emptyResult(), "Fan-out at saturation");
    expect(v.met).toBeNull();
    expect(v.detail).toContain("not run");
  });
});

describe("latency at the reference's 100 ms point", () => {
  it("compares p99 at the first load where the reference passes 100 ms", () => {
    const v = verdict({ ...emptyResult(), fanout: goodSweep() }, "Latency");
    // The reference first passes 100 ms at 100 msg/s per sender (p99 150); the project has 20 there.
    expect(v.reference).toBe(150);
    expect(v.project).toBe(20);
    expect(v.met).toBe(true);
    expect(v.detail).toContain("100,000 offered deliveries/s");
  });

  it("is not met when the project's p99 there is more than half the reference's", () => {
    const fanout = goodSweep().map((s) =>
      s.target === "project" && s.ratePerSender === 100 ? { ...s, latencyMs: { ...s.latencyMs, p99: 90 } } : s,
    );
    const v = verdict({ ...emptyResult(), fanout }, "Latency");
    expect(v.project).toBe(90);
    expect(v.met).toBe(false);
  });

  it("is not judged when the reference never passes 100 ms", () => {
    const fanout = goodSweep().filter((s) => s.ratePerSender <= 50);
    const v = verdict({ ...emptyResult(), fanout }, "Latency");
    expect(v.met).toBeNull();
    expect(v.detail).toContain("never exceeded 100 ms");
  });

  it("is not judged when the project was not run at that load", () => {
    const fanout = goodSweep().filter((s) => !(s.target === "project" && s.ratePerSender === 100));
    const v = verdict({ ...emptyResult(), fanout }, "Latency");
    expect(v.met).toBeNull();
    expect(v.reference).toBe(150);
  });
});

describe("idle memory per connection", () => {
  it("is judged at the largest client count and reports every count measured", () => {
    const result = {
      ...emptyResult(),
      idle: [
        idle("project", 1000, 12 * 1024),
        idle("reference", 1000, 10 * 1024),
        idle("project", 10_000, 5 * 1024),
        idle("reference", 10_000, 10 * 1024),
      ],
    };
    const v = verdict(result, "Idle memory");
    expect(v.met).toBe(true);
    expect(v.project).toBe(5);
    expect(v.reference).toBe(10);
    expect(v.ratio).toBeCloseTo(0.5);
    expect(v.detail).toContain("1,000 clients");
    expect(v.detail).toContain("10,000 clients");
  });

  it("is not met above 0.8 × the reference, repetitions averaged", () => {
    const result = {
      ...emptyResult(),
      idle: [
        idle("project", 1000, 7 * 1024, 1),
        idle("project", 1000, 11 * 1024, 2),
        idle("reference", 1000, 10 * 1024),
      ],
    };
    const v = verdict(result, "Idle memory");
    expect(v.project).toBe(9);
    expect(v.met).toBe(false);
  });

  it("is not judged without a reference measurement", () => {
    const v = verdict({ ...emptyResult(), idle: [idle("project", 1000, 1024)] }, "Idle memory");
    expect(v.met).toBeNull();
    expect(v.detail).toContain("reference");
  });
});

describe("connect storm", () => {
  it("is met when every client connected no later than on the reference", () => {
    const result = { ...emptyResult(), storm: [storm("project", { seconds: 1.2 }), storm("reference", { seconds: 2.5 })] };
    const v = verdict(result, "Connect storm");
    expect(v.met).toBe(true);
    expect(v.project).toBe(1.2);
    expect(v.reference).toBe(2.5);
  });

  it("is not met when a client failed or hung", () => {
    for (const trouble of [{ failed: 3, connected: 4997 }, { hanging: 1, connected: 4999 }]) {
      const result = {
        ...emptyResult(),
        storm: [storm("project", { seconds: null, ...trouble }), storm("reference", { seconds: 2.5 })],
      };
      expect(verdict(result, "Connect storm").met).toBe(false);
    }
  });

  it("is not met when the project took longer", () => {
    const result = { ...emptyResult(), storm: [storm("project", { seconds: 3 }), storm("reference", { seconds: 2.5 })] };
    expect(verdict(result, "Connect storm").met).toBe(false);
  });

  it("is met when the reference never had everyone connected", () => {
    const result = {
      ...emptyResult(),
      storm: [storm("project", { seconds: 4 }), storm("reference", { seconds: null, connected: 4000, hanging: 1000 })],
    };
    const v = verdict(result, "Connect storm");
    expect(v.met).toBe(true);
    expect(v.detail).toContain("1,000 hanging");
  });
});

describe("many rooms", () => {
  it("is met when project workers get only their rooms' traffic and reference workers get all of it", () => {
    const result = {
      ...emptyResult(),
      rooms: [rooms("project", [0.26, 0.25, 0.24, 0.25], 0.1), rooms("reference", [1, 1, 1, 1], 0.4)],
    };
    const v = verdict(result, "Many rooms");
    expect(v.met).toBe(true);
    expect(v.project).toBe(0.1);
    expect(v.reference).toBe(0.4);
    expect(v.detail).toContain("0.26");
  });

  it("is not met when a project worker receives every message", () => {
    const result = {
      ...emptyResult(),
      rooms: [rooms("project", [1, 0.2, 0.2, 0.2], 0.16), rooms("reference", [1, 1, 1, 1], 0.4)],
    };
    expect(verdict(result, "Many rooms").met).toBe(false);
  });

  it("is not met when the reference's workers did not all receive every message", () => {
    const result = {
      ...emptyResult(),
      rooms: [rooms("project", [0.2, 0.2, 0.2, 0.2], 0.08), rooms("reference", [1, 1, 0.5, 1], 0.35)],
    };
    const v = verdict(result, "Many rooms");
    expect(v.met).toBe(false);
    expect(v.detail).toContain("broadcast");
  });

  it("is not met when the project receives as much per delivery", () => {
    const result = {
      ...emptyResult(),
      rooms: [rooms("project", [0.5, 0.5, 0.5, 0.5], 0.4), rooms("reference", [1, 1, 1, 1], 0.4)],
    };
    expect(verdict(result, "Many rooms").met).toBe(false);
  });
});

describe("against the streams recipe", () => {
  it("is judged only when the run measured the streams recipe", () => {
    const result = emptyResult();
    result.fanout = goodSweep();
    expect(judgeTargets(result).some((v) => v.name.includes("streams"))).toBe(false);
  });

  it("wants 2 × its loss-free throughput, and half its p99 where it passes 200 ms", () => {
    const result = emptyResult();
    result.fanout = [
      ...goodSweep(),
      step("streams", { rate: 10, delivered: 10_000, p50: 2, p99: 30 }),
      step("streams", { rate: 50, delivered: 50_000, p50: 40, p99: 250 }),
      step("streams", { rate: 100, delivered: 80_000, p50: 900, p99: 3000 }),
    ];
    const saturation = verdict(result, "Fan-out at saturation against the streams recipe");
    expect(saturation.project).toBe(180_000);
    expect(saturation.reference).toBe(80_000);
    expect(saturation.met).toBe(true);
    const latency = verdict(result, "Latency at the streams recipe's 200 ms point");
    expect(latency.project).toBe(8);
    expect(latency.reference).toBe(250);
    expect(latency.met).toBe(true);
  });

  it("is not met below 2 × its throughput", () => {
    const result = emptyResult();
    result.fanout = [...goodSweep(), step("streams", { rate: 100, delivered: 100_000, p50: 20, p99: 90 })];
    expect(verdict(result, "Fan-out at saturation against the streams recipe").met).toBe(false);
  });
});

function fault(target: TargetName, kind: FaultRun["fault"], figures: Partial<FaultRun> = {}): FaultRun {
  return {
    target,
    repetition: 1,
    fault: kind,
    messages: 100,
    receivers: 20,
    failed: 0,
    unsettled: 0,
    once: 2000,
    twice: 0,
    lost: 0,
    deliveredThoughFailed: 0,
    outOfOrderReceivers: 0,
    receiversDropped: 10,
    senderDropped: kind === "worker",
    ...figures,
  };
}

describe("faults", () => {
  it("is met when the project loses and doubles nothing under both faults, whatever the references do", () => {
    const result = emptyResult();
    result.faults = [
      fault("project", "worker"),
      fault("reference", "worker", { once: 1800, lost: 200 }),
      fault("streams", "worker", { once: 1950, twice: 50 }),
      fault("project", "redis"),
      fault("reference", "redis", { once: 1900, lost: 100 }),
    ];
    const faults = verdict(result, "Faults");
    expect(faults.met).toBe(true);
    expect(faults.detail).toContain("reference 200 lost");
    expect(faults.detail).toContain("streams 0 lost, 50 doubled");
  });

  it("is not met when the project doubles a message", () => {
    const result = emptyResult();
    result.faults = [fault("project", "worker", { once: 1999, twice: 1 }), fault("project", "redis")];
    expect(verdict(result, "Faults").met).toBe(false);
  });

  it("is not met when the project loses one", () => {
    const result = emptyResult();
    result.faults = [fault("project", "worker"), fault("project", "redis", { once: 1999, lost: 1 })];
    expect(verdict(result, "Faults").met).toBe(false);
  });

  it("is shown as a table, a row per fault and target", () => {
    const result = emptyResult();
    result.faults = [fault("project", "redis"), fault("reference", "worker", { once: 1800, lost: 200 }), fault("project", "worker")];
    const table = renderTable(result);
    expect(table).toContain("### Faults");
    expect(row(table, "worker killed")?.slice(0, 6)).toEqual(["worker killed", "project", "100 × 20", "2,000", "0", "0"]);
    expect(table).toMatch(/\| worker killed +\| reference +\| +100 × 20 \| +1,800 \| +0 \| +200 \|/);
  });
});

function hundredK(figures: { bytesPerConnection?: number; p99?: number; lost?: number; callsPerSecond?: number; connected?: number } = {}): HundredKRun {
  const clients = 100_001;
  const callsPerSecond = figures.callsPerSecond ?? 10;
  return {
    target: "project",
    clients,
    workers: 8,
    generators: 8,
    pingIntervalMs: 50_000,
    connected: figures.connected ?? clients,
    failed: 0,
    hanging: clients - (figures.connected ?? clients),
    secondsToAllConnected: 120,
    rssBaselineBytes: 500 * 1024 * 1024,
    rssBytes: 500 * 1024 * 1024 + clients * (figures.bytesPerConnection ?? 6000),
    bytesPerConnection: figures.bytesPerConnection ?? 6000,
    broadcast: {
      messages: 10,
      acknowledged: 10,
      receivers: 100_000,
      expected: 1_000_000,
      delivered: 1_000_000 - (figures.lost ?? 0),
      lost: figures.lost ?? 0,
      latencyMs: { p50: 300, p90: 700, p99: figures.p99 ?? 900, max: 1200 },
      cpu: {
        seconds: 12.5,
        serverCores: 1.04,
        generatorCores: 0.67,
        userPercent: 64.6,
        systemPercent: 22.3,
        interruptPercent: 12.8,
        idlePercent: 0.3,
      },
    },
    idle: {
      seconds: 10,
      cpuSeconds: 20,
      redisCallsPerSecond: callsPerSecond,
      callsPerSecondByCommand: { evalsha: callsPerSecond },
      scriptedPerSecond: 1000,
      scriptedPerSecondByCommand: { zadd: 1000 },
      refreshIntervalSeconds: 5,
      callsPerWorkerPerIntervalPer1000: (callsPerSecond * 5) / 100,
      callsBesidesPingPerWorkerPerIntervalPer1000: (callsPerSecond * 5) / 100,
      workerCpuPercent: [1, 1, 1, 1, 1, 1, 1, 1],
    },
  };
}

describe("a hundred thousand connections", () => {
  const named = (result: BenchResult, what: string) => verdict(result, `100,001 clients: ${what}`);

  it("meets every goal with everyone connected, little memory, a fast broadcast and little upkeep", () => {
    const result = emptyResult();
    result.hundredK = [hundredK()];
    for (const what of ["connected", "memory", "broadcast", "idle upkeep"]) expect(named(result, what).met, what).toBe(true);
  });

  it("misses each goal on its own figure", () => {
    const result = emptyResult();
    result.hundredK = [hundredK({ connected: 99_000, bytesPerConnection: 9000, p99: 2500, callsPerSecond: 40 })];
    for (const what of ["connected", "memory", "broadcast", "idle upkeep"]) expect(named(result, what).met, what).toBe(false);
  });

  it("misses the broadcast goal when a delivery is lost, however fast", () => {
    const result = emptyResult();
    result.hundredK = [hundredK({ lost: 1 })];
    expect(named(result, "broadcast").met).toBe(false);
  });

  it("is shown as a table of figures", () => {
    const result = emptyResult();
    result.hundredK = [hundredK()];
    const table = renderTable(result);
    expect(table).toContain("### Hundred thousand connections");
    expect(row(table, "connected, failed, hanging")?.[1]).toBe("100,001, 0, 0");
    expect(row(table, "server memory per connection above baseline")?.[1]).toBe("5.86 KiB");
    expect(row(table, "broadcast: cores used by the server, the generators (of 2, over 12.5 s)")?.[1]).toBe("1.04, 0.67");
    expect(row(table, "broadcast: the machine's CPU, % user / system / interrupts / idle")?.[1]).toBe("65 / 22 / 13 / 0");
  });
});

function fullResult(): BenchResult {
  return {
    ...emptyResult(),
    fanout: goodSweep(),
    idle: [idle("project", 1000, 4 * 1024), idle("reference", 1000, 10 * 1024)],
    storm: [storm("project", { seconds: 1.25 }), storm("reference", { seconds: 2.5 })],
    rooms: [rooms("project", [0.25, 0.25, 0.25, 0.25], 0.1), rooms("reference", [1, 1, 1, 1], 0.4)],
  };
}

/** The cells of the markdown table row whose first cell is `first`. */
function row(markdown: string, first: string): string[] | undefined {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    )
    .find((cells) => cells[0] === first);
}

describe("the markdown table", () => {
  it("shows each fan-out step with both targets' figures", () => {
    const table = renderTable(fullResult());
    expect(table).toContain("### Fan-out");
    expect(row(table, "100")).toEqual(["100", "100,000", "100,000", "2.0", "20.0", "40.0", "0", "100,000", "30.0", "150", "300", "0"]);
    expect(row(table, "180")).toEqual(["180", "180,000", "180,000", "6.0", "60.0", "120", "0", "120,000", "400", "2,500", "5,000", "5,000"]);
  });

  it("averages repetitions and says so", () => {
    const fanout = [
      step("project", { rate: 10, delivered: 9_000, p50: 1, p99: 4, repetition: 1 }),
      step("project", { rate: 10, delivered: 11_000, p50: 3, p99: 6, repetition: 2 }),
    ];
    const table = renderTable({ ...emptyResult(), fanout });
    expect(row(table, "10")?.slice(0, 5)).toEqual(["10", "10,000", "10,000", "2.0", "5.0"]);
    // The reference was not run: its columns are empty rather than zero.
    expect(row(table, "10")?.slice(7)).toEqual(["–", "–", "–", "–", "–"]);
    expect(table).toContain("mean of 2 repetitions");
  });

  it("shows idle memory, the storm and many rooms", () => {
    const table = renderTable(fullResult());
    expect(row(table, "1,000")).toEqual(["1,000", "4.00", "10.0", "0.40×"]);
    expect(row(table, "project")).toEqual(["project", "5,000", "5,000", "0", "0", "1.25 s"]);
    expect(row(table, "reference")).toEqual(["reference", "5,000", "5,000", "0", "0", "2.50 s"]);
    expect(table).toContain("### Many rooms");
    expect(table).toContain("0.25, 0.25, 0.25, 0.25");
    expect(table).toContain("1.00, 1.00, 1.00, 1.00");
  });

  it("lists every target with its mark and figures", () => {
    const table = renderTable(fullResult());
    const verdictLines = table.split("\n").filter((line) => line.startsWith("- "));
    expect(verdictLines).toHaveLength(5);
    for (const line of verdictLines) expect(line.startsWith("- ✔")).toBe(true);
    expect(table).toMatch(/- ✔ \*\*Fan-out at saturation\*\*.*180,000/);
  });

  it("marks missed and unmeasured targets", () => {
    const result = { ...fullResult(), storm: [storm("project", { seconds: 9 }), storm("reference", { seconds: 2.5 })], rooms: [] };
    const table = renderTable(result);
    expect(table).toMatch(/- ✘ \*\*Connect storm\*\*/);
    expect(table).toMatch(/- – \*\*Many rooms\*\*/);
  });

  it("leaves out the sections of scenarios that were not run", () => {
    const table = renderTable({ ...emptyResult(), idle: [idle("project", 1000, 2048), idle("reference", 1000, 4096)] });
    expect(table).toContain("### Idle memory");
    expect(table).not.toContain("### Fan-out");
    expect(table).not.toContain("### Connect storm");
    expect(table).not.toContain("### Many rooms");
    expect(table).toContain("### Targets");
  });

  it("keeps every row of a table the same width, for the terminal", () => {
    const table = renderTable(fullResult());
    const blocks = table.split("\n\n").filter((block) => block.startsWith("|"));
    expect(blocks.length).toBe(4);
    for (const block of blocks) {
      const widths = new Set(block.split("\n").map((line) => line.length));
      expect(widths.size).toBe(1);
    }
  });
});

/** Every `<polyline>` in the chart, with its series name. */
function polylines(svg: string): { series: string; points: string[] }[] {
  return [...svg.matchAll(/<polyline data-series="([^"]+)" points="([^"]*)"/g)].map((match) => ({
    series: match[1] ?? "",
    points: (match[2] ?? "").split(" ").filter((point) => point !== ""),
  }));
}

describe("the chart", () => {
  it("draws one solid p99 line and one dashed p50 line per target, one point per step", () => {
    const svg = renderChart(fullResult());
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain("Fan-out: latency against offered load");
    const lines = polylines(svg);
    expect(lines.map((line) => line.series).sort()).toEqual(["project p50", "project p99", "reference p50", "reference p99"]);
    for (const line of lines) expect(line.points).toHaveLength(4);
    const p99 = svg.match(/<polyline data-series="project p99"[^>]*>/)?.[0] ?? "";
    const p50 = svg.match(/<polyline data-series="project p50"[^>]*>/)?.[0] ?? "";
    expect(p99).not.toContain("stroke-dasharray");
    expect(p50).toContain("stroke-dasharray");
    expect(svg).toContain(">project p99</text>");
    expect(svg).toContain(">reference p50</text>");
  });

  it("gives the two targets different colours", () => {
    const svg = renderChart(fullResult());
    const colour = (series: string) => svg.match(new RegExp(`data-series="${series}"[^>]*stroke="(#[0-9a-f]{6})"`))?.[1];
    expect(colour("project p99")).toBeDefined();
    expect(colour("project p99")).not.toBe(colour("reference p99"));
  });

  it("puts higher latency higher up and more load further right", () => {
    const svg = renderChart(fullResult());
    const reference = polylines(svg).find((line) => line.series === "reference p99");
    const points = (reference?.points ?? []).map((point) => point.split(",").map(Number) as [number, number]);
    for (let i = 1; i < points.length; i++) {
      const [x, y] = points[i] as [number, number];
      const [previousX, previousY] = points[i - 1] as [number, number];
      expect(x).toBeGreaterThan(previousX);
      expect(y).toBeLessThan(previousY);
    }
  });

  it("states the load shape and the machine in the subtitle", () => {
    const svg = renderChart(fullResult());
    expect(svg).toContain("100 receivers · 10 senders · 2 workers · 2 CPUs (Test CPU) · 8 GiB");
  });

  it("escapes text taken from the run", () => {
    const result = fullResult();
    result.machine = { ...result.machine, cpuModel: `Fast <CPU> & "Co" 'x'` };
    const svg = renderChart(result);
    expect(svg).toContain("Fast &lt;CPU&gt; &amp; &quot;Co&quot; &apos;x&apos;");
    expect(svg).not.toContain("<CPU>");
  });

  it("copes with a single step", () => {
    const svg = renderChart({ ...emptyResult(), fanout: [step("project", { rate: 10, delivered: 10_000, p50: 1, p99: 5 })] });
    const lines = polylines(svg);
    expect(lines.map((line) => line.series).sort()).toEqual(["project p50", "project p99"]);
    expect(svg).not.toContain("NaN");
    expect(svg).not.toContain("Infinity");
    expect(svg.match(/<circle /g)?.length).toBeGreaterThanOrEqual(2);
  });

  it("copes with a run without fan-out data", () => {
    const svg = renderChart(emptyResult());
    expect(svg).toContain("No fan-out data");
    expect(svg).not.toContain("NaN");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("copes with zero latencies, which a log axis cannot place", () => {
    const svg = renderChart({
      ...emptyResult(),
      fanout: [
        step("project", { rate: 1, delivered: 1000, p50: 0, p99: 0 }),
        step("project", { rate: 2, delivered: 2000, p50: 0, p99: 1 }),
      ],
    });
    expect(svg).not.toContain("NaN");
    expect(svg).not.toContain("Infinity");
  });
});
