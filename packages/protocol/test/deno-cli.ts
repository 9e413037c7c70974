// The Deno that the `deno` npm package installed, run in this package's directory.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const packageDir = fileURLToPath(new URL("..", import.meta.url));
const denoPackage = createRequire(import.meta.url).resolve("deno/package.json");
const deno = join(dirname(denoPackage), process.platform === "win32" ? "deno.exe" : "deno");
export const denoVersion = (JSON.parse(readFileSync(denoPackage, "utf8")) as { version: string }).version;

export const runDeno = (args: string[], cwd = packageDir): SpawnSyncReturns<string> => {
  const result = spawnSync(deno, args, {
    cwd,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return result;
};
