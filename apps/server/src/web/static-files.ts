import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
/** Worth compressing: text, and large enough that gzip's header does not outweigh the gain. */
const compressible = (type: string, size: number) => size > 1024 && /^(text\/|application\/json|image\/svg)/.test(type);

/** Vite's hashed output: its name changes with its content, so a browser may keep it for good. */
const immutable = "public, max-age=31536000, immutable";
/** Everything else, `index.html` first: the browser asks each time whether it changed (cheap with the ETag). */
const revalidate = "no-cache";

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

/** Every file under `root` by its URL path, read once; none of a dot folder (`.vite/`'s build notes). */
function readTree(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        const urlPath = `/${relative(root, path).split(sep).join("/")}`;
        const body = readFileSync(path);
        const type = types[extname(entry.name)] ?? "application/octet-stream";
        files.set(urlPath, {
          body,
          gzipped: compressible(type, body.length) ? gzipSync(body) : undefined,
          type,
          etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
          cacheControl: urlPath.startsWith("/assets/") ? immutable : revalidate,
        });
      }
    }
  };
  try {
    if (statSync(root).isDirectory()) visit(root);
  } catch {
    // No build there: nothing to serve.
  }
  return files;
}

/** Answers a request for a path that is not an operations endpoint; `head` for HEAD. */
export type FileAnswer = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The web app, built, from `root`: `/` is its `index.html`, every other file by its path, and
 * anything else 404. The files are read when the server starts: a rebuilt app is served from
 * the next start on. No build at `root`: every path is 404.
 */
export function serveWebApp(root: string): { answer: FileAnswer; fileCount: number } {
  const files = readTree(root);
  const answer: FileAnswer = (req, res) => {
    const head = req.method === "HEAD";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const file = files.get(path === "/" ? "/index.html" : path);
    if (file === undefined) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      return void res.end(head ? undefined : "not found\n");
    }
    if (req.method !== "GET" && !head) {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
      return void res.end("method not allowed\n");
    }
    const headers: Record<string, string | number> = { "Content-Type": file.type, "Cache-Control": file.cacheControl, ETag: file.etag };
    if (file.gzipped !== undefined) headers.Vary = "Accept-Encoding";
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, headers);
      return void res.end();
    }
    const gzip = file.gzipped !== undefined && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? (file.gzipped as Buffer) : file.body;
    if (gzip) headers["Content-Encoding"] = "gzip";
    headers["Content-Length"] = body.length;
    res.writeHead(200, headers);
    res.end(head ? undefined : body);
  };
  return { answer, fileCount: files.size };
}
