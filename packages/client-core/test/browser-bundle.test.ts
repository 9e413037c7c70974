// What the core costs a web page: bundled for browsers as a web front would bundle it
// (esbuild, minified, socket.io-client, the protocol and zod included), then gzipped.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * The budget, in bytes of gzip: the bundle weighs ~47 KB, zod and the protocol ~29 KB of it.
 * Room to grow, none for zod's locales (~65 KB more) or a Node build of a dependency.
 */
const maxGzipBytes = 60 * 1024;

describe("in a browser bundle", () => {
  it(`the core with its dependencies weighs at most ${maxGzipBytes / 1024} KiB gzipped`, async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      absWorkingDir: packageDir,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      conditions: ["@chat/source"],
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
    for (const dependency of ["socket.io-client", "engine.io-client", "zod", "protocol/src"]) {
      expect(inputs.some((input) => input.includes(`/${dependency}/`)), dependency).toBe(true);
    }
    // Browser builds only: no ws, no Node built-ins, no locale but English.
    expect(inputs.filter((input) => /node_modules\/ws\/|^node:/.test(input))).toStrictEqual([]);
    expect(inputs.filter((input) => input.includes("/locales/") && !input.endsWith("/locales/en.js"))).toStrictEqual([]);
    const gzipped = gzipSync(output.contents).length;
    console.log(`client-core browser bundle: ${output.contents.length} bytes, ${gzipped} gzipped`);
    expect(gzipped).toBeLessThanOrEqual(maxGzipBytes);
  }, 60_000);
});
