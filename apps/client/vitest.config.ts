import { defineConfig, mergeConfig } from "vitest/config";
import shared, { longestFirst } from "../../vitest.shared.ts";

/**
 * Most of these tests wait (for processes to start, sessions to expire, Redis to come back)
 * rather than compute, so three files run at once; vitest's default on a 2-core machine is one.
 * The longest files (the installed CLI's packing and installing, the tokens', the connection's
 * waits for servers and reconnections) start first.
 */
export default mergeConfig(
  shared,
  defineConfig({ test: { maxWorkers: 3, sequence: { sequencer: longestFirst(["test/install/installed-cli.test.ts", "test/token.test.ts", "test/cli-errors.test.ts", "test/cli-reconnect.test.ts"]) } } }),
);
