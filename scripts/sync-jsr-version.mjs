// `changeset version` bumps package.json only; JSR reads its version from jsr.json. Run after
// it with the published packages' directories (the root `pnpm version-packages` does) so that
// both registries get the same version. A package whose jsr.json maps a sibling published
// with it (`jsr:@chat/protocol@0.1.0`) gets that mapping moved to the sibling's new version.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: node scripts/sync-jsr-version.mjs <package dir>...");
  process.exit(2);
}
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const versions = new Map(dirs.map((dir) => readJson(join(dir, "package.json"))).map(({ name, version }) => [name, version]));

for (const dir of dirs) {
  const path = join(dir, "jsr.json");
  const jsr = readJson(path);
  const version = versions.get(jsr.name);
  const imports = Object.fromEntries(
    Object.entries(jsr.imports ?? {}).map(([name, target]) => {
      const sibling = versions.get(name);
      return [name, sibling !== undefined && target.startsWith("jsr:") ? `jsr:${name}@${sibling}` : target];
    }),
  );
  const next = { ...jsr, version, ...(jsr.imports === undefined ? {} : { imports }) };
  if (JSON.stringify(next) !== JSON.stringify(jsr)) {
    writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
    console.log(`${path}: ${jsr.version} -> ${version}`);
  }
}
