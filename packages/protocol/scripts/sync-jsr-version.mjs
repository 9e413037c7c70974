// `changeset version` bumps package.json only; JSR reads its version from jsr.json. Run after
// it (the root `pnpm version-packages` does) so that both registries get the same version.
import { readFileSync, writeFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync("package.json", "utf8"));
const jsr = JSON.parse(readFileSync("jsr.json", "utf8"));
if (jsr.version !== version) {
  writeFileSync("jsr.json", `${JSON.stringify({ ...jsr, version }, null, 2)}\n`);
  console.log(`jsr.json: ${jsr.version} -> ${version}`);
}
