import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The app is built once (into dist/, where the server finds it) before any test file runs.
      globalSetup: ["test/support/build-app.ts"],
      // Each file starts its own server and browser; on a shared machine, one at a time.
      fileParallelism: false,
    },
  }),
);
