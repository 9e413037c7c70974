// Runs test/deno/check.ts under a real Deno: the built package and the source, imported the
// way a Deno project would, with no permission but reading this package. Needs `pnpm build`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const denoPackage = createRequire(import.meta.url).resolve("deno/package.json");
const deno = join(dirname(denoPackage), process.platform === "win32" ? "deno.exe" : "deno");
const denoVersion = (JSON.parse(readFileSync(denoPackage, "utf8")) as { version: string }).version;

const run = (args: string[]) => {
  const result = spawnSync(deno, args, {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return result;
};

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
