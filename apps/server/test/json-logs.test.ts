import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type RunningServer, type TestClient, uniquePrefix } from "@chat/test-kit";
import { startServerPatiently } from "./support/topology.ts";
import { untyped } from "./support/wire.ts";

/** One line of the JSON log, as far as the test reads it. */
interface JsonLine {
  level: string;
  time: string;
  pid: number;
  role: string;
  worker?: number;
  msg: string;
  err?: unknown;
}

const escape = (text: string) => text.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

/** Parses a line of the JSON log; fails the test if it is not one. */
function parseLine(line: string): JsonLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON log line: ${line}`);
  }
  expect(value).toMatchObject({
    level: expect.any(String),
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    pid: expect.any(Number),
    role: expect.stringMatching(/^(primary|worker)$/),
    msg: expect.any(String),
  });
  return value as JsonLine;
}

describe("LOG_FORMAT=json: one pino JSON object a line", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  /** The JSON line whose message is exactly `msg`. */
  const lineWith = async (msg: string) =>
    parseLine(await server.waitForLine(new RegExp(`"msg":"${escape(msg)}"`), 15_000));

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { LOG_FORMAT: "json" } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop("SIGKILL");
  });

  it("the primary's line has role primary and no worker", () => {
    const line = parseLine(server.lines.find((candidate) => /listening on port/.test(candidate)) ?? "");
    expect(line).toMatchObject({ level: "info", role: "primary", pid: server.child.pid });
    expect(line.msg).toMatch(/^listening on port \d+ with 2 workers, Redis adapter at redis:\/\//);
    expect(line).not.toHaveProperty("worker");
  });

  it("connections and disconnections, each with the id of the worker that holds it", async () => {
    const workerOf = new Map<TestClient, number>();
    for (let i = 0; i < 12 && new Set(workerOf.values()).size < 2; i++) {
      const client = await connectClient(server.url, `user${i}`);
      clients.push(client);
      const line = await lineWith(`connected, id: ${client.id ?? ""}`);
      expect(line).toMatchObject({ level: "info", role: "worker", worker: expect.any(Number) });
      workerOf.set(client, line.worker ?? 0);
    }
    expect(new Set(workerOf.values())).toEqual(new Set([1, 2]));

    for (const [client, worker] of workerOf) {
      const id = client.id ?? "";
      client.close();
      expect(await lineWith(`disconnected, id: ${id}`)).toMatchObject({ level: "info", role: "worker", worker });
    }
  });

  it("errors are JSON too, at level error, with the worker", async () => {
    const client = await connectClient(server.url, "mallory");
    clients.push(client);
    const worker = (await lineWith(`connected, id: ${client.id ?? ""}`)).worker;
    untyped(client).emit("no:such-event");
    const line = parseLine(await server.waitForLine(/refused unknown event/, 15_000));
    expect(line).toMatchObject({ level: "error", role: "worker", worker });
    expect(line.msg).toBe(`refused unknown event "no:such-event" from id: ${client.id ?? ""}`);
  });

  it("every line it printed, to its last on SIGTERM, is a JSON log line", async () => {
    clients.splice(0).forEach((client) => client.close());
    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(server.lines.length).toBeGreaterThan(5);
    const lines = server.lines.map(parseLine);
    expect(lines.at(-1)).toMatchObject({ role: "primary", msg: "stopped" });
    expect(lines.filter((line) => line.role === "worker").every((line) => line.worker === 1 || line.worker === 2)).toBe(
      true,
    );
  });
});

describe("LOG_FORMAT unset: the text lines, unchanged", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServerPatiently({ workers: 2, prefix: uniquePrefix(), env: { LOG_FORMAT: undefined } });
  }, 120_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop("SIGKILL");
  });

  it("`primary, listening ...`, `worker: N, connected, id: ...`, `worker: N, disconnected, id: ...`", async () => {
    expect(server.lines[0]).toMatch(
      new RegExp(`^primary, listening on port ${server.port} with 2 workers, Redis adapter at redis://\\S+ \\(prefix ${server.prefix}\\)$`),
    );
    const client = await connectClient(server.url, "alice");
    clients.push(client);
    const id = client.id ?? "";
    const worker = await server.workerOf(id);
    expect([1, 2]).toContain(worker);
    expect(server.lines).toContain(`worker: ${worker}, connected, id: ${id}`);
    client.close();
    expect(await server.waitForLine(new RegExp(`disconnected, id: ${escape(id)}$`))).toBe(
      `worker: ${worker}, disconnected, id: ${id}`,
    );
    expect(server.lines.filter((line) => line.startsWith("{"))).toEqual([]);
  });
});
