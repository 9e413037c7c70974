import { fileURLToPath } from "node:url";
import { build } from "vite";

/** The web app's folder: its vite.config.ts and index.html. */
export const appDir = fileURLToPath(new URL("../../", import.meta.url));

/** Builds the app into dist/, as `pnpm start` does: what the tests load is what is served. */
export default async function buildApp(): Promise<void> {
  await build({ root: appDir, logLevel: "warn" });
}
