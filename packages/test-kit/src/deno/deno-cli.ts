import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { workspaceRoot } from "../packing/packing.ts";

/** The Deno that the `deno` npm package installed for a package (its devDependency). */
export function denoOf(packageDir: string): { binary: string; version: string } {
  const manifest = createRequire(join(packageDir, "package.json")).resolve("deno/package.json");
  const { version } = createRequire(manifest)("./package.json") as { version: string };
  return { binary: join(dirname(manifest), process.platform === "win32" ? "deno.exe" : "deno"), version };
}

/**
 * Runs that Deno, colourless, bounded, in `packageDir` unless told another directory. Deno
 * trusts the system's certificate authorities as well as its own bundle, as Node and npm do
 * here, so that it reaches the npm registry wherever npm does.
 */
export function runDeno(
  packageDir: string,
  args: string[],
  { cwd = packageDir, timeout = 90_000 }: { cwd?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(denoOf(packageDir).binary, args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: { DENO_TLS_CA_STORE: "system,mozilla", ...process.env, NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return result;
}

/**
 * `deno publish --dry-run` of packages released together (`packages/protocol`,
 * `packages/client-core`): JSR's own checks, slow types included, without
 * `--allow-slow-types`. A package that imports a sibling as `jsr:@chat/protocol@<version>`
 * could not resolve it before the sibling is on JSR, so the packages' published files are
 * copied into a Deno workspace of their own, where Deno takes the sibling from the workspace.
 * Returns what Deno printed for each package, in the order given.
 */
export function denoPublishDryRun(dirs: string[], into: string): SpawnSyncReturns<string>[] {
  const members = dirs.map((dir) => basename(dir));
  for (const [index, dir] of dirs.entries()) {
    const copy = join(into, members[index] ?? dir);
    mkdirSync(copy, { recursive: true });
    for (const input of ["src", "jsr.json", "README.md", "LICENSE"]) {
      cpSync(join(workspaceRoot, dir, input), join(copy, input), { recursive: true });
    }
  }
  writeFileSync(join(into, "deno.json"), JSON.stringify({ workspace: members.map((member) => `./${member}`) }));
  // --allow-dirty: the copies are no git checkout; the git state is not what is tested.
  return dirs.map((dir, index) =>
    runDeno(join(workspaceRoot, dir), ["publish", "--dry-run", "--allow-dirty"], { cwd: join(into, members[index] ?? dir), timeout: 180_000 }),
  );
}
