import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectClient, startServer, uniquePrefix, type RunningServer } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request, its path as written (fetch would undo the gzip, and a URL would resolve `..`). */
const get = (url: string, headers: Record<string, string> = {}, method = "GET") =>
  new Promise<Answer>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const path = url.slice(new URL(url).origin.length) || "/";
    const req = request({ hostname, port, path, method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end();
  });

describe("the web app, served by every worker of a cluster", () => {
  const root = mkdtempSync(join(tmpdir(), "chat-web-root-"));
  const index = '<!doctype html><title>Chat</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>';
  const script = `console.log(${JSON.stringify("x".repeat(4000))});`;
  let server: RunningServer;

  beforeAll(async () => {
    mkdirSync(join(root, "assets"));
    mkdirSync(join(root, ".vite"));
    writeFileSync(join(root, "index.html"), index);
    writeFileSync(join(root, "assets", "index-Ab12Cd34.js"), script);
    writeFileSync(join(root, ".vite", "initial-js.json"), "{}");
    server = await startServer({ workers: 2, prefix: uniquePrefix(), env: { WEB_ROOT: root } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html at / for the browser to check each time", async () => {
    const answer = await get(`${server.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.headers["cache-control"]).toBe("no-cache");
    expect(answer.body.toString()).toBe(index);
    const again = await get(`${server.url}/`, { "If-None-Match": String(answer.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("serves hashed assets to be kept for a year, gzipped when the browser takes gzip", async () => {
    const plain = await get(`${server.url}/assets/index-Ab12Cd34.js`);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.body.toString()).toBe(script);
    const gzipped = await get(`${server.url}/assets/index-Ab12Cd34.js`, { "Accept-Encoding": "gzip, br" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.body.length).toBeLessThan(script.length / 10);
    const head = await get(`${server.url}/assets/index-Ab12Cd34.js`, {}, "HEAD");
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  it("answers 404 for anything else (build notes in dot folders, paths out of the folder), and 405 for writes", async () => {
    for (const path of ["/nope.js", "/.vite/initial-js.json", "/assets/../index.html", "/%2e%2e/package.json", "/index.html/"]) {
      expect([path, (await get(`${server.url}${path}`)).status]).toEqual([path, 404]);
    }
    expect((await get(`${server.url}/index.html`, {}, "POST")).status).toBe(405);
  });

  it("leaves the operations endpoints and Socket.IO as they were", async () => {
    expect((await get(`${server.url}/healthz`)).body.toString()).toBe("ok");
    expect((await get(`${server.url}/readyz`)).status).toBe(200);
    const client = await connectClient(server.url, "web-visitor");
    expect(client.connected).toBe(true);
    client.close();
  });
});

describe("a server whose WEB_ROOT holds no build", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ workers: 1, prefix: uniquePrefix(), env: { WEB_ROOT: join(tmpdir(), "chat-no-web-app-here") } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves nothing at / (404), and its endpoints still", async () => {
    expect((await get(`${server.url}/`)).status).toBe(404);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });
});
