import { defineConfig } from "vitest/config";

/**
 * Every package's test settings: sources of workspace packages instead of their builds,
 * and a JSON report that the root `pnpm test` adds up.
 */
export default defineConfig({
  resolve: { conditions: ["@chat/source"] },
  ssr: { resolve: { conditions: ["@chat/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
