import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

/**
 * Most of these tests wait (for processes to start, sessions to expire, Redis to come back)
 * rather than compute, so two files run at once; vitest's default on a 2-core machine is one.
 */
export default mergeConfig(shared, defineConfig({ test: { maxWorkers: 2 } }));
