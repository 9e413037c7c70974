#!/usr/bin/env node
// Runs a workspace package from its sources: `from-source [node flags] entry.ts [args]`.
// The one place that knows how (the test kit's `sourceFlags` is this list); a package's
// scripts use this instead of spelling the flags out. Cluster workers inherit the flags.
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { argv, execPath, exit, kill, pid } from "node:process";
import { fileURLToPath } from "node:url";

/** Node's flags for running TypeScript sources, workspace packages resolved to their `src/`. */
export const sourceFlags = ["--conditions=@chat/source", "--import", "tsx"];

// Imported (for `sourceFlags`) it only defines; run as a program it starts the entry.
if (argv[1] !== undefined && fileURLToPath(import.meta.url) === realpathSync(argv[1])) {
  const child = spawn(execPath, [...sourceFlags, ...argv.slice(2)], { stdio: "inherit" });
  // The terminal signals the whole process group; a signal sent to this process alone is passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      kill(pid, signal);
    }
    exit(code ?? 1);
  });
}
