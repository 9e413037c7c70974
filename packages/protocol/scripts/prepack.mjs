// Runs before every pack and publish. pnpm replaces the `catalog:` and `workspace:` ranges of
// package.json with real ones in the tarball; npm and yarn would ship them as they are, and
// no installer outside this workspace could install the result. So only pnpm may pack.
// Then it builds dist/ from a clean slate, so that a tarball never carries a stale or missing
// build.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));
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

rmSync("dist", { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
process.exit(build.status ?? 1);
