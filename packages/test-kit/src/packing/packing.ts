import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const workspaceRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * The environment of a plain `npm` run by a user: without the npm_* and pnpm variables
 * that `pnpm test` passes down, which would steer npm (its prefix, its config).
 */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** A fresh directory under the system's temp directory, and its removal. */
export function tempDir(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `chat-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Packs workspace packages (`packages/protocol`, `apps/client`, ...) into `into` as they
 * would be published: each built first, then `pnpm pack`, which writes real versions in
 * place of `workspace:*` and `catalog:`. Returns each tarball's path, in the order given.
 */
export function packPackages(dirs: string[], into: string): string[] {
  return dirs.map((dir) => {
    const destination = join(into, dir.replaceAll("/", "-"));
    mkdirSync(destination, { recursive: true });
    const cwd = join(workspaceRoot, dir);
    execFileSync("pnpm", ["run", "build"], { cwd, stdio: "pipe", timeout: 180_000 });
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd, stdio: "pipe", timeout: 180_000 });
    const [tarball] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
    return join(destination, tarball);
  });
}

/** `npm install <args>` as a user would run it, from the registry (or npm's cache) for what is not a tarball. */
export function npmInstall(args: string[], cwd: string): void {
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...args], {
    cwd,
    env: plainEnv(),
    stdio: "pipe",
    timeout: 300_000,
  });
}
