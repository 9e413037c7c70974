// Runs test/deno/chat.ts under a real Deno against a real server: the core needs nothing of
// Node's. Deno reads the workspace's node_modules for socket.io-client and the protocol's build
// (`pnpm build` in packages/protocol first).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const denoPackage = createRequire(import.meta.url).resolve("deno/package.json");
const deno = join(dirname(denoPackage), "deno");
const denoVersion = (JSON.parse(readFileSync(denoPackage, "utf8")) as { version: string }).version;

const run = (args: string[]) => {
  const result = spawnSync(deno, args, { cwd: packageDir, encoding: "utf8", timeout: 90_000, env: { ...process.env, NO_COLOR: "1" } });
  if (result.error) throw result.error;
  return result;
};

describe("the client core under Deno", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ workers: 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("connects, sends and hears a line through a real server", () => {
    const host = new URL(server.url).host;
    const result = run(["run", "--no-prompt", `--allow-net=${host}`, "--allow-read", "--allow-env", "test/deno/chat.ts", server.url]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toEqual([
      "sent: sent",
      "heard: hello from Deno from deno-writer",
      `runtime: ${denoVersion}`,
    ]);
    expect(result.status).toBe(0);
  }, 120_000);
});
