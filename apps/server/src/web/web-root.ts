import { fileURLToPath } from "node:url";

/** The web app's build, found from this package: apps/web/dist beside apps/server (from src/web/ and dist/web/ alike). */
export const defaultWebRoot = fileURLToPath(new URL("../../../web/dist/", import.meta.url));
