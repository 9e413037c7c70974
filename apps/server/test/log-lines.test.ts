import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { batchedLines } from "../src/log-lines.ts";
import { sourceFlags } from "./support/server-process.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("info lines, written once a turn of the event loop", () => {
  it("writes the lines of one turn in one write, in order, and the next turn's in another", async () => {
    const writes: string[] = [];
    const lines = batchedLines({ write: (text) => writes.push(text) });
    lines.write("one\n");
    lines.write("two\n");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["one\ntwo\n"]);
    lines.write("three\n");
    await nextTurn();
    expect(writes).toEqual(["one\ntwo\n", "three\n"]);
  });

  it.each(["text", "json"])("loses no line when the process exits right after it (%s log)", (format) => {
    const log = fileURLToPath(new URL("../src/log.ts", import.meta.url));
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
