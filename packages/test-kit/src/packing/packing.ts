import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

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
 * would be published, all at once: `pnpm pack`, whose `prepack` builds each package, and
 * which writes real versions in place of `workspace:*` and `catalog:`. Resolves with each
 * tarball's path, in the order given.
 */
export function packPackages(dirs: string[], into: string): Promise<string[]> {
  return Promise.all(
    dirs.map(async (dir) => {
      const destination = join(into, dir.replaceAll("/", "-"));
      mkdirSync(destination, { recursive: true });
      // Builds read their dependencies' sources, not their builds: the packs need no order.
      await run("pnpm", ["pack", "--pack-destination", destination], { cwd: join(workspaceRoot, dir), timeout: 180_000 });
      const [tarball] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
      if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
      return join(destination, tarball);
    }),
  );
}

/** `npm install <args>` as a user would run it, from the registry (or npm's cache) for what is not a tarball. */
export async function npmInstall(args: string[], cwd: string): Promise<void> {
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...args], { cwd, env: plainEnv(), timeout: 300_000 });
}

/** Runs a command to its end; a failure's error carries what it printed. */
async function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout: number }): Promise<void> {
  try {
    await execFileAsync(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    // The message names the command and holds its stderr; its stdout is added.
    const { stdout = "" } = error as { stdout?: string };
    throw new Error(`in ${options.cwd}: ${(error as Error).message}\n${stdout}`);
  }
}
