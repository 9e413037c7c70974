import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

/**
 * These tests spend their time waiting for faults to pass (a failover, a drain, Redis coming
 * back) rather than computing, so two files run at once; vitest's default on a 2-core machine is one.
 */
export default mergeConfig(shared, defineConfig({ test: { maxWorkers: 2 } }));
