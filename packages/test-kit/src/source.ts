import { fileURLToPath } from "node:url";
import { sourceFlags } from "../bin/from-source.js";

export { sourceFlags };

const inWorkspace = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** The server's entry point, run from source: tests need no build. */
export const serverMain = inWorkspace("apps/server/src/main.ts");

/** The command-line client's entry point, run from source. */
export const clientMain = inWorkspace("apps/client/src/main.ts");

/** The client package's directory: `tsx` and the client's own dependencies resolve from here. */
export const clientDir = inWorkspace("apps/client/");

/** Node's arguments that run `entry` (a TypeScript file) from source, followed by `args`. */
export const fromSource = (entry: string, ...args: string[]): string[] => [...sourceFlags, entry, ...args];
