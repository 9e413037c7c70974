import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { batchedLines } from "../src/logging/log-lines.ts";
import { sourceFlags } from "@chat/test-kit";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("info lines, written together", () => {
  it("writes the lines of one turn in one write, in order, at the end of the turn", async () => {
    const writes: string[] = [];
    const lines = batchedLines({ write: (text) => writes.push(text) });
    lines.write("one\n");
    lines.write("two\n");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["one\ntwo\n"]);
  });

  it("gathers the lines of the following turns until the gap since the last write has passed", async () => {
    const writes: string[] = [];
    const gapMs = 200;
    const lines = batchedLines({ write: (text) => writes.push(text) }, gapMs);
    lines.write("one\n");
    await nextTurn();
    const firstAt = performance.now();
    lines.write("two\n");
    await nextTurn();
    lines.write("three\n");
    await nextTurn();
    // Written one turn after the first, the next lines wait for the gap.
    expect(writes).toEqual(["one\n"]);
    await vi.waitFor(() => expect(writes).toEqual(["one\n", "two\nthree\n"]), { timeout: 5_000, interval: 10 });
    // Timers may fire a millisecond early.
    expect(performance.now() - firstAt).toBeGreaterThanOrEqual(gapMs - 2);
  });

  it("writes a line logged after a quiet spell at the end of its turn", async () => {
    const writes: string[] = [];
    const gapMs = 50;
    const lines = batchedLines({ write: (text) => writes.push(text) }, gapMs);
    lines.write("one\n");
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, gapMs + 20));
    lines.write("two\n");
    await nextTurn();
    expect(writes).toEqual(["one\n", "two\n"]);
  });

  it.each(["text", "json"])("loses no line when the process exits right after it (%s log)", (format) => {
    const log = fileURLToPath(new URL("../src/logging/log.ts", import.meta.url));
    const script = [
      `import { createLog } from ${JSON.stringify(log)};`,
      `const log = createLog("primary", ${JSON.stringify(format)});`,
      `log.info("first"); log.info("last"); process.exit(3);`,
    ].join("\n");
    const run = spawnSync(process.execPath, [...sourceFlags, "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(3);
    const lines = run.stdout.split("\n").filter((line) => line !== "");
    const messages = format === "text" ? lines : lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(format === "text" ? ["primary, first", "primary, last"] : ["first", "last"]);
  });
});
