import { limits } from "@chat/protocol";
import {
  errorLines,
  messageLines,
  type RunningServer,
  spawnCli,
  startChat,
  startServer,
  stopAllClis,
  textsFrom,
} from "@chat/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

describe("chat in a pipe: printf '...' | chat A", () => {
  let server: RunningServer | undefined;
  let url: string;

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    url = server.url;
  });
  afterEach(stopAllClis);
  afterAll(async () => {
    await stopAllClis();
    await server?.stop();
  });

  it("sends every line, exits 0 on end of input once they are acknowledged", async () => {
    const { cli: b } = await startChat("B", url);
    // The whole input is written before A has even connected, as a pipe would.
    const a = spawnCli(["A", "--url", url]);
    a.send("one");
    a.send("two");
    a.end();

    const exit = await a.exit();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(a.stdout[0]).toMatch(/^connected, id: \S+$/);
    expect(errorLines(a)).toEqual([]);
    expect(messageLines(a)).toEqual([]);
    expect(a.stderr).toEqual([]);
    await b.waitForLine("two from A");
    expect(messageLines(b)).toEqual(["one from A", "two from A"]);
  });

  it("does not send blank lines", async () => {
    const { cli: b } = await startChat("B", url);
    // Each test has a sender of its own: what earlier tests said may be shown as history.
    const a = spawnCli(["A2", "--url", url]);
    a.send("first");
    a.send("");
    a.send("   ");
    a.send("last");
    a.end();

    expect(await a.exit()).toEqual({ code: 0, signal: null });
    await b.waitForLine("last from A2");
    expect(textsFrom(b, "A2")).toEqual(["first", "last"]);
  });

  it("reports a line over the text limit, sends the others, and exits 1 on end of input", async () => {
    const { cli: b } = await startChat("B", url);
    const longest = "x".repeat(limits.textMaxLength);
    const tooLong = "y".repeat(limits.textMaxLength + 1);
    const a = spawnCli(["A3", "--url", url]);
    a.send("before");
    a.send(tooLong);
    a.send(longest);
    a.send("after");
    a.end();

    expect(await a.exit()).toEqual({ code: 1, signal: null });
    expect(errorLines(a)).toEqual([
      expect.stringMatching(/^error: invalid_payload: \S.*$/),
    ]);
    await b.waitForLine("after from A3");
    expect(textsFrom(b, "A3")).toEqual(["before", longest, "after"]);
  });
});
