import {
  errorLines,
  type RunningServer,
  spawnCli,
  startServer,
  startChat,
  stopAllClis,
  textsFrom,
} from "@chat/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

/** A server allowing one send a second per connection (bursts of three), with room for a busy machine to start it. */
const startLimitedServer = (): Promise<RunningServer> =>
  startServer({ workers: 1, env: { SEND_RATE_PER_CONNECTION: "1" }, startTimeoutMs: 90_000 });

describe("chat in a pipe against SEND_RATE_PER_CONNECTION=1", () => {
  let server: RunningServer | undefined;

  beforeAll(async () => {
    server = await startLimitedServer();
  }, 120_000);
  afterEach(stopAllClis);
  afterAll(async () => {
    await stopAllClis();
    await server?.stop();
  });

  it("says that lines are held back by the limit, still delivers all ten in order, and exits 0", async () => {
    const url = server?.url ?? "";
    const { cli: b } = await startChat("B", url);
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
    const a = spawnCli(["A", "--url", url]);
    for (const line of lines) a.send(line);
    a.end();

    // Three pass at once, the other seven at about one a second.
    expect(await a.exit(60_000)).toEqual({ code: 0, signal: null });
    const notices = errorLines(a);
    expect(notices.length).toBeGreaterThanOrEqual(1);
    // Said once for a run of held-back lines, never once a retry: at most once a held-back line.
    expect(notices.length).toBeLessThanOrEqual(lines.length - 3);
    for (const notice of notices) {
      expect(notice).toMatch(/^error: rate_limited: too many messages: .*try again in \d+\.\d s; sending it as soon as allowed$/);
    }
    // Nothing else went wrong: the notices are all stderr has.
    expect(a.stderr).toEqual(notices);

    await b.waitForLine("line 10 from A", { timeoutMs: 15_000 });
    expect(textsFrom(b, "A")).toEqual(lines);
  }, 120_000);
});
