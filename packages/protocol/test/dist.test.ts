// The built package must run in browsers and Deno as well as Node: no Node built-ins, no
// Node globals, and only `zod` outside itself. Needs `pnpm build` (turbo runs it first).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import * as source from "../src/index.ts";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const src = fileURLToPath(new URL("../src/", import.meta.url));

/** The code of a built file without its comments, so that prose cannot trip the checks. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

/** Every module specifier a built file imports or re-exports. */
const specifiers = (text: string) =>
  [...code(text).matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((match) => match[1] ?? "");

/** What would tie a built file to Node. */
const nodeOnly = (text: string) =>
  [
    ...specifiers(text).filter((specifier) => specifier.startsWith("node:")),
    ...(code(text).match(/\b(?:Buffer|process|require|__dirname|__filename)\b/g) ?? []),
  ];

describe("dist", () => {
  let files: string[] = [];
  beforeAll(() => {
    expect(existsSync(`${dist}index.js`), "dist/index.js is missing: run `pnpm build` first").toBe(true);
    files = readdirSync(dist).filter((name) => name.endsWith(".js")).sort();
  });

  it("has a module and a declaration file for every source file", () => {
    const modules = readdirSync(src).filter((name) => name.endsWith(".ts")).map((name) => name.replace(/\.ts$/, ".js")).sort();
    expect(files).toStrictEqual(modules);
    for (const file of files) expect(existsSync(`${dist}${file.replace(/\.js$/, ".d.ts")}`), file).toBe(true);
  });

  it("spots what it must not contain", () => {
    expect(nodeOnly('import { readFile } from "node:fs";\nconst b = Buffer.from(process.env.X);')).toStrictEqual([
      "node:fs",
      "Buffer",
      "process",
    ]);
    expect(nodeOnly('// process the Buffer\n/* process */ export const x = "zod";')).toStrictEqual([]);
  });

  it("uses no Node built-ins or globals", () => {
    for (const file of files) expect(nodeOnly(readFileSync(`${dist}${file}`, "utf8")), file).toStrictEqual([]);
  });

  it("imports nothing but zod and its own .js files", () => {
    const outside = new Set<string>();
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(`${dist}${file}`, "utf8"))) {
        if (specifier.startsWith("./")) expect(files, `${file} imports ${specifier}`).toContain(specifier.slice(2));
        else outside.add(specifier);
      }
    }
    expect([...outside]).toStrictEqual(["zod"]);
  });

  it("exports what the source exports (it is not stale)", async () => {
    const built: Record<string, unknown> = await import(pathToFileURL(`${dist}index.js`).href);
    expect(Object.keys(built).sort()).toStrictEqual(Object.keys(source).sort());
    expect(built["limits"]).toStrictEqual(source.limits);
    expect(built["defaultRoom"]).toBe(source.defaultRoom);
  });
});
