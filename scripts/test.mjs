// Runs the lint, then every package's tests through turbo, then adds up the results each
// package's vitest wrote, so that the run ends with one "N passed, N failed" line and a run
// that executed no test cannot pass unnoticed. A test file that could not run (an error
// outside any test), errors vitest caught outside every test and a failed lint count as
// failures too, named here. A failed lint does not stop the tests.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const packages = [
  "packages/protocol",
  "packages/client-core",
  "packages/sticky",
  "packages/test-kit",
  "apps/server",
  "apps/client",
  "apps/web",
  "bench",
  "tests/e2e",
];
for (const dir of packages) rmSync(`${dir}/test-results.json`, { force: true });
const lint = spawnSync("pnpm", ["exec", "turbo", "run", "lint", "lint:root", "--continue"], { stdio: "inherit" });
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
  let explained = results.numFailedTests > 0;
  for (const suite of results.testResults ?? []) {
    const failedInSuite = (suite.assertionResults ?? []).filter((test) => test.status === "failed").length;
    if (suite.status === "failed" && failedInSuite === 0) {
      console.error(`${dir}: ${suite.name} failed outside its tests: ${suite.message ?? "(no message)"}`);
      failed += 1;
      explained = true;
    }
  }
  if (results.success === false && !explained) {
    console.error(`${dir}: vitest reported errors outside the tests (see its output above)`);
    failed += 1;
  }
}
if (lint.status !== 0) {
  console.error("lint: pnpm lint found problems or could not run (see its output above)");
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(turbo.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
