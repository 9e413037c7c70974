import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { plainEnv, workspaceRoot } from "./packing.ts";

/** The root files that `pnpm pack` and a package's build read. */
const rootInputs = ["pnpm-workspace.yaml", "tsconfig.base.json", "scripts/prepack.mjs"];

/**
 * Packs publishable packages (`packages/protocol`, `packages/client-core`) as a release would,
 * from copies of them as git checks them out (no dist/), so that the pack must build, and so
 * that the packages' own dist/ folders, which other tests read, are never rebuilt under them.
 * The copies form a workspace in `into` and reuse each package's node_modules for the build
 * tools (and `workspace:*` ranges resolve to the real packages' versions). Returns each
 * tarball's path, in the order given.
 */
export function packCleanCopies(dirs: string[], into: string): string[] {
  const workspace = join(into, "workspace");
  for (const file of rootInputs) cpSync(join(workspaceRoot, file), join(workspace, file));
  return dirs.map((dir) => {
    const source = join(workspaceRoot, dir);
    const copy = join(workspace, dir);
    mkdirSync(copy, { recursive: true });
    const { files } = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as { files: string[] };
    const inputs = ["package.json", "tsconfig.build.json", "README.md", "LICENSE", ...files.filter((name) => name !== "dist")];
    for (const input of inputs) cpSync(join(source, input), join(copy, input), { recursive: true });
    symlinkSync(join(source, "node_modules"), join(copy, "node_modules"), "dir");
    const destination = join(into, "tarballs", dir.replaceAll("/", "-"));
    mkdirSync(destination, { recursive: true });
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: copy, env: plainEnv(), stdio: "pipe", timeout: 180_000 });
    const [tarball] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
    return join(destination, tarball);
  });
}
