// Runs test/deno/check.ts under a real Deno: the built package and the source, imported the
// way a Deno project would, with no permission but reading this package. Needs `pnpm build`.
import { describe, expect, it } from "vitest";
import { denoVersion, runDeno as run } from "./deno-cli.ts";

describe("under Deno", () => {
  it("the built package and the source validate the fixtures", () => {
    const result = run(["run", "--no-prompt", "--allow-read=.", "test/deno/check.ts"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toStrictEqual(
      ["dist", "src"].flatMap((label) => [
        `${label}: ok (11 client events, runtime ${denoVersion})`,
        `${label}: rejected a bad payload at 0.room, 0.text; a forged sender at 0`,
      ]),
    );
  }, 120_000);

  it("type-checks the check script, the source and the declarations", () => {
    const result = run(["check", "test/deno/check.ts"]);
    expect(result.stderr).toContain("Check test/deno/check.ts");
    expect(result.stderr).not.toContain("ERROR");
    expect(result.status).toBe(0);
  }, 120_000);
});
