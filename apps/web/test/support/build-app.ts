import { fileURLToPath } from "node:url";
import { build } from "vite";

/** The web app's folder: its vite.config.ts and index.html. */
export const appDir = fileURLToPath(new URL("../../", import.meta.url));

/** Builds the app into dist/, as `pnpm start` does: what the tests load is what is served. */
export default async function buildApp(): Promise<void> {
  // Vitest sets NODE_ENV=test, which Vite would build into the libraries' development branches.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ root: appDir, mode: "production", logLevel: "warn" });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
