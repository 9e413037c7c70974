// Runs test/deno/chat.ts under a real Deno against a real server: the core needs nothing of
// Node's. Deno reads the workspace's node_modules for socket.io-client and the protocol's build
// (`pnpm build` in packages/protocol first).
import { fileURLToPath } from "node:url";
import { denoOf, runDeno, startServer, type RunningServer } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const denoVersion = denoOf(packageDir).version;
const run = (args: string[]) => runDeno(packageDir, args);

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
