// The `prepack` of every published package (`node ../../scripts/prepack.mjs`), run by the
// packer in the package's directory, or given it as an argument.
// pnpm replaces the `catalog:` and `workspace:` ranges of package.json with real ones in the
// tarball; npm and yarn would ship them as they are, and no installer outside this workspace
// could install the result. So only pnpm may pack.
// Then it builds dist/ from a clean slate, so that a tarball never carries a stale or missing
// build.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const packageDir = resolve(process.argv[2] ?? ".");
const manifest = JSON.parse(readFileSync(resolve(packageDir, "package.json"), "utf8"));
const workspaceRanges = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })
  .filter(([, range]) => /^(catalog|workspace):/.test(range))
  .map(([name, range]) => `"${name}": "${range}"`);
const packer = process.env.npm_config_user_agent ?? "";
if (workspaceRanges.length > 0 && !packer.startsWith("pnpm/")) {
  console.error(
    `${manifest.name} must be packed and published with pnpm (pnpm pack, pnpm publish, pnpm release):\n` +
      `its package.json has ${workspaceRanges.join(", ")}, which only pnpm turns into a version range.\n` +
      `This packer is "${packer || "unknown"}".`,
  );
  process.exit(1);
}

rmSync(resolve(packageDir, "dist"), { recursive: true, force: true });
// The package's own TypeScript, as its `build` script would use.
const tsc = createRequire(resolve(packageDir, "package.json")).resolve("typescript/bin/tsc");
const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: packageDir, stdio: "inherit" });
process.exit(build.status ?? 1);
