// What the protocol costs a web page: bundled for browsers as a web front would bundle it
// (esbuild, minified, zod included), then gzipped. `import * as z from "zod"` keeps it small:
// zod's named export `z` carries every locale's messages (~95 KB gzipped instead of ~29 KB).
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { packageDir } from "./deno-cli.ts";

/** The budget, in bytes of gzip: zod's core is most of it, this package's own code ~2 KB. */
const maxGzipBytes = 30 * 1024;

describe("in a browser bundle", () => {
  it(`the protocol with zod weighs at most ${maxGzipBytes / 1024} KiB gzipped`, async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      absWorkingDir: packageDir,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const [output] = result.outputFiles;
    if (output === undefined) throw new Error("esbuild wrote no bundle");
    // What made it into the bundle (esbuild lists every file it read, tree-shaken ones too).
    const inputs = Object.values(result.metafile.outputs).flatMap((bundle) =>
      Object.entries(bundle.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
    );
    expect(inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(inputs.filter((input) => input.includes("/locales/") && !input.endsWith("/locales/en.js"))).toStrictEqual([]);
    expect(gzipSync(output.contents).length).toBeLessThanOrEqual(maxGzipBytes);
  }, 60_000);
});
