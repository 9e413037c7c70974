import {
  type CliProcess,
  errorLines,
  messageLines,
  type RunningServer,
  startChat,
  startServer,
  stopAllClis,
} from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("two chat processes on different workers of a cluster", () => {
  let server: RunningServer | undefined;
  let a: CliProcess;
  let b: CliProcess;
  let aConnected: string;
  let bConnected: string;
  let workers: [number, number];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    const running = server;
    const first = await startChat("A", running.url);
    a = first.cli;
    const workerA = await running.workerOf(first.id);
    // Connections that land on A's worker stay open, so that the next one goes elsewhere.
    let found: { cli: CliProcess; id: string; worker: number } | undefined;
    for (let attempt = 0; attempt < 6 && found === undefined; attempt++) {
      const candidate = await startChat("B", running.url);
      const worker = await running.workerOf(candidate.id);
      if (worker !== workerA) found = { ...candidate, worker };
    }
    if (found === undefined) throw new Error("six B clients in a row landed on A's worker");
    b = found.cli;
    workers = [workerA, found.worker];
    aConnected = `connected, id: ${first.id}`;
    bConnected = `connected, id: ${found.id}`;
  });

  afterAll(async () => {
    await stopAllClis();
    await server?.stop();
  });

  it("prints each one's lines at the other as <text> from <user>, never back to the sender, in order", async () => {
    expect(workers[0]).not.toBe(workers[1]);

    a.send("Hello");
    await b.waitForLine("Hello from A");
    b.send("Hi");
    await a.waitForLine("Hi from B");
    a.send("one");
    a.send("two");
    a.send("three");
    await b.waitForLine("three from A");

    // A's own echo of "Hello" would have reached A before B could answer it, and B's echo of
    // "Hi" before A's next three lines: what each printed so far is all it will print.
    expect(messageLines(a)).toEqual(["Hi from B"]);
    expect(messageLines(b)).toEqual(["Hello from A", "one from A", "two from A", "three from A"]);
    expect([a.stdout[0], b.stdout[0]]).toEqual([aConnected, bConnected]);
    expect([...errorLines(a), ...errorLines(b)]).toEqual([]);
    expect(a.stderr).toEqual([]);
    expect(b.stderr).toEqual([]);
  });
});
