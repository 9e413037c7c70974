// JSR publishes the TypeScript source as it is, so every export needs its type written out:
// `deno publish --dry-run` runs JSR's own checks and fails on an exported value whose type is
// left to inference. The core is released with the protocol: both registries get the same
// version, and on JSR the core takes the protocol from JSR, at that version.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { denoPublishDryRun, tempDir, workspaceRoot } from "@chat/test-kit";
import { describe, expect, it } from "vitest";

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(join(workspaceRoot, path), "utf8"));
const catalogRange = (name: string) =>
  new RegExp(`^ {2}"?${name}"?: (\\S+)$`, "m").exec(readFileSync(join(workspaceRoot, "pnpm-workspace.yaml"), "utf8"))?.[1];

describe("JSR", () => {
  it("jsr.json publishes the source under the npm package's name and version, with its dependencies mapped", () => {
    const jsr = readJson("packages/client-core/jsr.json");
    const npm = readJson("packages/client-core/package.json");
    const protocol = readJson("packages/protocol/jsr.json");
    expect(jsr["name"]).toBe(npm["name"]);
    expect(jsr["version"]).toBe(npm["version"]);
    expect(jsr["license"]).toBe(npm["license"]);
    expect(jsr["exports"]).toBe("./src/index.ts");
    expect(catalogRange("socket.io-client")).toMatch(/^\^4\./);
    expect(jsr["imports"]).toStrictEqual({
      "@chat/protocol": `jsr:@chat/protocol@${String(protocol["version"])}`,
      "socket.io-client": `npm:socket.io-client@${catalogRange("socket.io-client")}`,
    });
  });

  it("deno publish --dry-run passes for the protocol and the core without --allow-slow-types", () => {
    const temp = tempDir("client-core-jsr");
    try {
      const results = denoPublishDryRun(["packages/protocol", "packages/client-core"], temp.path);
      for (const [index, name] of ["@chat/protocol", "@chat/client-core"].entries()) {
        const output = `${results[index]?.stdout}${results[index]?.stderr}`;
        expect(output).not.toContain("error[");
        expect(output).toContain(`Simulating publish of ${name}@`);
        expect(output).toContain("Success Dry run complete");
        expect(results[index]?.status).toBe(0);
      }
    } finally {
      temp.remove();
    }
  }, 300_000);
});
