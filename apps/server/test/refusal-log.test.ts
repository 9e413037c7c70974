import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRefusalLog } from "../src/logging/refusal-log.ts";
import type { Log } from "../src/logging/log.ts";

/** What a flood of refusals costs in log lines: a few told in full, the rest summed up once a window. */
describe("the refusal log", () => {
  let lines: string[];
  const log: Log = { info: () => {}, error: (line) => void lines.push(line) };

  beforeEach(() => {
    lines = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("tells a source's first refusals in full, then one summary line when the window ends", () => {
    const refusals = createRefusalLog(log, { what: "events", linesPerSource: 3 });
    for (let i = 1; i <= 1000; i++) refusals.refused("user a (id: 1)", `refused ${i}`);
    expect(lines).toEqual(["refused 1", "refused 2", "refused 3"]);
    vi.advanceTimersByTime(10_000);
    expect(lines.slice(3)).toEqual(["1000 events refused from user a (id: 1) in the last 10 s (3 told above)"]);
    // A new window: told in full again.
    refusals.refused("user a (id: 1)", "refused again");
    expect(lines.at(-1)).toBe("refused again");
  });

  it("says nothing more for a source that never went past its lines", () => {
    const refusals = createRefusalLog(log, { what: "events", linesPerSource: 3 });
    refusals.refused("x", "one");
    refusals.refused("x", "two");
    vi.advanceTimersByTime(10_000);
    expect(lines).toEqual(["one", "two"]);
  });

  it("many sources at once: a bounded number of lines in all, the unnamed ones summed in one line", () => {
    const refusals = createRefusalLog(log, { what: "handshakes", linesPerSource: 2, linesPerWindow: 10, maxSources: 5 });
    for (let source = 0; source < 1000; source++) for (let i = 0; i < 3; i++) refusals.refused(`s${source}`, `from s${source}`);
    expect(lines).toHaveLength(10);
    vi.advanceTimersByTime(10_000);
    const summaries = lines.slice(10);
    expect(summaries).toEqual([
      "3 handshakes refused from s0 in the last 10 s (2 told above)",
      "3 handshakes refused from s1 in the last 10 s (2 told above)",
      "3 handshakes refused from s2 in the last 10 s (2 told above)",
      "3 handshakes refused from s3 in the last 10 s (2 told above)",
      "3 handshakes refused from s4 in the last 10 s (2 told above)",
      "2985 handshakes refused from other sources in the last 10 s",
    ]);
  });
});
