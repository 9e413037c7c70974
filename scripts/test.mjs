// Runs every package's tests through turbo, then adds up the results each package's vitest
// wrote, so that the run ends with one "N passed, N failed" line and a run that executed
// no test cannot pass unnoticed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const packages = ["packages/protocol", "apps/server", "apps/client", "bench"];
for (const dir of packages) rmSync(`${dir}/test-results.json`, { force: true });
const turbo = spawnSync("pnpm", ["exec", "turbo", "run", "test", "--concurrency=1", "--continue", ...process.argv.slice(2)], {
  stdio: "inherit",
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of packages) {
  const file = `${dir}/test-results.json`;
  if (!existsSync(file)) {
    console.error(`${dir}: no test results (the package's tests did not run to the end)`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(file, "utf8"));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(turbo.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
