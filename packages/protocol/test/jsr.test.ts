// JSR publishes the TypeScript source as it is, so every export needs a type written out
// (see src/schema-types.ts): `deno publish --dry-run` runs JSR's own checks, and fails on an
// exported schema whose type is left to inference. Publishing to npm and to JSR must give the
// same version with the same zod.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packageDir, runDeno } from "./deno-cli.ts";

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(`${packageDir}${path}`, "utf8"));

/** The zod range of the workspace's catalog, which pnpm writes into the npm package. */
const catalogZod = (): string | undefined =>
  /^ {2}zod: (\S+)$/m.exec(readFileSync(`${packageDir}../../pnpm-workspace.yaml`, "utf8"))?.[1];

describe("JSR", () => {
  it("jsr.json publishes the source under the npm package's name, version and zod range", () => {
    const jsr = readJson("jsr.json");
    const npm = readJson("package.json");
    expect(jsr["name"]).toBe(npm["name"]);
    expect(jsr["version"]).toBe(npm["version"]);
    expect(jsr["license"]).toBe(npm["license"]);
    expect(jsr["exports"]).toBe("./src/index.ts");
    expect(catalogZod()).toMatch(/^\^4\./);
    expect(jsr["imports"]).toStrictEqual({ zod: `npm:zod@${catalogZod()}` });
  });

  it("deno publish --dry-run passes without --allow-slow-types", () => {
    // --allow-dirty: uncommitted work is checked too; the git state is not what is tested.
    const result = runDeno(["publish", "--dry-run", "--allow-dirty"]);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).not.toContain("error[");
    expect(output).toContain("Success Dry run complete");
    expect(result.status).toBe(0);
  }, 120_000);
});
