import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@chat/source"] },
  ssr: { resolve: { conditions: ["@chat/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
