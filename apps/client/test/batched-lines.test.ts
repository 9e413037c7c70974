import type { ChatMessage } from "@chat/protocol";
import {
  type CliProcess,
  connectClient,
  errorLines,
  type RedisProxy,
  type RunningServer,
  sleep,
  startChat,
  startRedisProxy,
  startServer,
  stopAllClis,
  type TestClient,
  textsFrom,
} from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A busy room's lines reach the CLI in `message:batch`es, which also carry the CLI's own
 * lines back to it. It must print every other line once, in order, and none of its own.
 */
describe("chat while the room's lines arrive in batches", () => {
  let gate: RedisProxy | undefined;
  let server: RunningServer | undefined;
  const clients: TestClient[] = [];
  let a: CliProcess;
  let b: CliProcess;
  let x: TestClient;
  const batches: ChatMessage[][] = [];

  beforeAll(async () => {
    // One worker, so every post to the lobby queues on it; Redis behind a gate the test controls.
    gate = await startRedisProxy();
    server = await startServer({
      workers: 1,
      env: {
        SEND_RATE_PER_CONNECTION: "100000",
        SEND_RATE_PER_USER: "100000",
        EVENT_RATE_PER_CONNECTION: "100000",
        EVENT_RATE_PER_USER: "100000",
        // The gate holds Redis on purpose, for as long as the CLI takes to send on a busy
        // machine: no request may give up on it meanwhile.
        REDIS_TIMEOUT_MS: "60000",
        REDIS_URL: gate.url,
      },
    });
    b = (await startChat("B", server.url)).cli;
    a = (await startChat("A", server.url)).cli;
    x = await connectClient(server.url, "X", { transports: ["websocket"] });
    const observer = await connectClient(server.url, "O", { transports: ["websocket"] });
    clients.push(x, observer);
    observer.on("message:batch", (batch) => batches.push(batch));
  }, 120_000);
  afterAll(async () => {
    await stopAllClis();
    clients.forEach((client) => client.close());
    await server?.stop();
    await gate?.close();
  });

  /** Resolves once the server has asked Redis for `text` `times` times (held or not). */
  const untilSent = async (text: string, times: number) => {
    for (let waited = 0; waited < 30_000 && (gate?.sent(text) ?? 0) < times; waited += 20) await sleep(20);
    expect(gate?.sent(text)).toBeGreaterThanOrEqual(times);
  };

  /** What X and A sent in the first test, in order: the second test expects them before its own. */
  const xLines: string[] = [];
  const aLines: string[] = [];

  it("does not print its own line when it comes back in a batch, and prints the others' once", async () => {
    const prefix = server?.prefix ?? "";
    const rateOf = (user: string) => `${prefix}:event-rate:${user}`;
    // X's next send is held on its way to Redis (its event-limit check comes first), and so is
    // all that follows it: A's line, then X's second. Let go, X's first line is posted alone,
    // and A's and X's second, queued behind it, go out together in one batch. Whether they
    // queue up depends on Redis answering the held checks together, which a busy machine may
    // not do: the round is played again (at most five times) until they do.
    const formed = (aLine: string, xSecond: string) =>
      batches.some((batch) => batch.map((message) => message.text).join("\n") === `${aLine}\n${xSecond}`);
    for (let round = 1; round <= 5 && !formed(aLines.at(-1) ?? "", xLines.at(-1) ?? ""); round++) {
      const [xFirst, aLine, xSecond] = [`X first ${round}`, `A's own line ${round}`, `X second ${round}`];
      gate?.holdFrom(rateOf("X"));
      const xSentBefore = gate?.sent(rateOf("X")) ?? 0;
      const aSentBefore = gate?.sent(rateOf("A")) ?? 0;
      const first = x.timeout(30_000).emitWithAck("message:send", { room: "lobby", text: xFirst });
      await gate?.held;
      a.send(aLine);
      await untilSent(rateOf("A"), aSentBefore + 1);
      const second = x.timeout(30_000).emitWithAck("message:send", { room: "lobby", text: xSecond });
      await untilSent(rateOf("X"), xSentBefore + 2);
      gate?.release();
      expect([await first, await second].map((ack) => ack.ok)).toEqual([true, true]);
      xLines.push(xFirst, xSecond);
      aLines.push(aLine);
      await a.waitForLine(`${xSecond} from X`);
      await b.waitForLine(`${xSecond} from X`);
      await b.waitForLine(`${aLine} from A`);
    }
    expect(formed(aLines.at(-1) ?? "", xLines.at(-1) ?? ""), `no batch of A's line and X's second in ${aLines.length} rounds`).toBe(true);
    expect(textsFrom(a, "X")).toEqual(xLines);
    expect(textsFrom(a, "A")).toEqual([]);
    expect(textsFrom(b, "A")).toEqual(aLines);
    expect(textsFrom(b, "X")).toEqual(xLines);
  });

  it("prints every line of a burst once and in order while typing along", async () => {
    // 300 lines sent at once: they queue up and arrive mostly in batches, A's among them.
    const texts = Array.from({ length: 300 }, (_, i) => `burst ${i}`);
    const acks = Promise.all(texts.map((text) => x.timeout(60_000).emitWithAck("message:send", { room: "lobby", text })));
    const own = ["typing along 1", "typing along 2", "typing along 3"];
    for (const line of own) a.send(line);
    expect((await acks).filter((ack) => !ack.ok)).toEqual([]);
    for (const cli of [a, b]) await cli.waitForLine(`${texts.at(-1) ?? ""} from X`, { timeoutMs: 60_000 });
    await b.waitForLine(`${own.at(-1) ?? ""} from A`, { timeoutMs: 60_000 });
    expect(batches.length).toBeGreaterThan(1);

    expect(textsFrom(a, "X")).toEqual([...xLines, ...texts]);
    expect(textsFrom(b, "X")).toEqual([...xLines, ...texts]);
    expect(textsFrom(a, "A")).toEqual([]);
    expect(textsFrom(b, "A")).toEqual([...aLines, ...own]);
    expect([...errorLines(a), ...errorLines(b)]).toEqual([]);
    expect([...a.stderr, ...b.stderr]).toEqual([]);
  }, 120_000);
});
