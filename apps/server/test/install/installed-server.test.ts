import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectClient,
  freePort,
  npmInstall,
  onLines,
  packPackages,
  plainEnv,
  tempDir,
  uniquePrefix,
  waitFor,
  type TestClient,
} from "@chat/test-kit";

/**
 * The server as it is deployed outside this workspace: the tarballs of the protocol, the
 * sticky routing and the server, as `pnpm pack` makes them, installed with plain npm into an
 * empty project and started with `npx chat-server`.
 */
const packs = tempDir("packs");
const project = tempDir("server");
const clients: TestClient[] = [];

beforeAll(async () => {
  const tarballs = await packPackages(["packages/protocol", "packages/sticky", "apps/server"], packs.path);
  writeFileSync(join(project.path, "package.json"), `${JSON.stringify({ name: "deployment", private: true }, null, 2)}\n`);
  await npmInstall(tarballs, project.path);
}, 600_000);

afterAll(() => {
  for (const client of clients) client.close();
  packs.remove();
  project.remove();
});

describe("the server installed from its tarballs", () => {
  it("carries our sticky routing, not the unpatched @socket.io/sticky", () => {
    expect(existsSync(join(project.path, "node_modules", "@chat", "sticky", "dist", "primary.js"))).toBe(true);
    expect(existsSync(join(project.path, "node_modules", "@socket.io", "sticky"))).toBe(false);
    expect(existsSync(join(project.path, "node_modules", "tsx"))).toBe(false);
  });

  it("npx chat-server starts a cluster that answers /healthz and carries a chat across transports, and stops on SIGTERM", { timeout: 120_000 }, async () => {
    const port = await freePort();
    // A process group of its own: npx and the server under it are stopped together.
    const child = spawn("npx", ["chat-server"], {
      cwd: project.path,
      env: plainEnv({ PORT: String(port), WORKERS: "2", REDIS_URL: "redis://127.0.0.1:6379", REDIS_PREFIX: uniquePrefix() }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const output: string[] = [];
    const listening = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening within 60 s:\n${output.join("\n")}`)), 60_000);
      const onLine = (line: string) => {
        output.push(line);
        if (/listening on port \d+ with 2 workers/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onLines(child.stdout, onLine);
      onLines(child.stderr, onLine);
      child.once("exit", (code) => reject(new Error(`chat-server exited (${code}):\n${output.join("\n")}`)));
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await listening;
      const url = `http://127.0.0.1:${port}`;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);

      // Long-polling needs every request of a session routed to one worker: the sticky primary's job.
      const alice = await connectClient(url, "alice", { transports: ["polling"] });
      const bob = await connectClient(url, "bob", { transports: ["websocket"] });
      clients.push(alice, bob);
      const received = waitFor(bob, "message:new");
      const ack = await alice.emitWithAck("message:send", { room: "lobby", text: "from an installed server", clientId: randomBytes(16).toString("base64url") });
      expect(ack).toMatchObject({ ok: true });
      const [message] = await received;
      expect(message).toMatchObject({ room: "lobby", from: "alice", text: "from an installed server" });
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    }
    await exited;
    // npx dies of the signal itself; the server under it shuts down in order.
    await expect.poll(() => output.at(-1), { timeout: 20_000 }).toBe("primary, stopped");
  });
});
