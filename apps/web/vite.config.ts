import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

/** The chat server's port in `pnpm dev`: PORT, as the server reads it, or the server's default. */
const chatServerPort = (): number => Number(process.env.PORT ?? 3000);

/** Where the build writes the size of the app's initial JavaScript (a dot folder: never served). */
export const initialJsReport = ".vite/initial-js.json";

export interface InitialJs {
  /** The entry chunk and every chunk it imports statically: what loads before the app starts. */
  files: string[];
  bytes: number;
  gzipBytes: number;
}

/** Measures the initial JavaScript as the browser gets it (gzip), prints it and writes it to `initialJsReport`. */
const measureInitialJs = (): Plugin => {
  let outDir = "dist";
  return {
    name: "chat:initial-js",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    generateBundle(_options, bundle) {
      const files = new Set<string>();
      const visit = (fileName: string) => {
        const chunk = bundle[fileName];
        if (chunk?.type !== "chunk" || files.has(fileName)) return;
        files.add(fileName);
        chunk.imports.forEach(visit);
      };
      for (const chunk of Object.values(bundle)) if (chunk.type === "chunk" && chunk.isEntry) visit(chunk.fileName);
      const report: InitialJs = { files: [...files], bytes: 0, gzipBytes: 0 };
      for (const fileName of files) {
        const chunk = bundle[fileName];
        if (chunk?.type !== "chunk") continue;
        report.bytes += Buffer.byteLength(chunk.code);
        report.gzipBytes += gzipSync(chunk.code).length;
      }
      this.info(`initial JavaScript: ${(report.gzipBytes / 1024).toFixed(1)} KB gzipped (${(report.bytes / 1024).toFixed(1)} KB)`);
      mkdirSync(join(outDir, ".vite"), { recursive: true });
      writeFileSync(join(outDir, initialJsReport), `${JSON.stringify(report, null, 2)}\n`);
    },
  };
};

export default defineConfig({
  // Workspace packages from source, as everywhere in the repository: no build of them first.
  resolve: { conditions: ["@chat/source", ...defaultClientConditions] },
  build: { target: "es2022", sourcemap: true },
  plugins: [measureInitialJs()],
  server: {
    // `pnpm dev`: the chat server runs beside this one; the app talks to it through here.
    proxy: { "/socket.io": { target: `http://127.0.0.1:${chatServerPort()}`, ws: true } },
  },
});
