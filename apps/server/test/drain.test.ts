import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectClient,
  type RedisServer,
  type RunningServer,
  startRedisServer,
  startServer,
  type TestClient,
} from "@chat/test-kit";
import { tryConnect } from "./support/wire.ts";

/** Freezes or thaws a process, as a stalled Redis would be. */
const signal = (pid: number, name: NodeJS.Signals) => process.kill(pid, name);

describe("a SIGTERM drains the server", () => {
  let redis: RedisServer | undefined;
  let server: RunningServer | undefined;
  const clients: TestClient[] = [];

  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await server?.stop("SIGKILL");
    await redis?.dispose();
  });

  it("answers the request under way, refuses new connections, then tells clients to reconnect and exits 0", async () => {
    redis = await startRedisServer();
    server = await startServer({ workers: 2, env: { REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: "10000" } });
    const a = await connectClient(server.url, "A");
    clients.push(a);
    const disconnected = new Promise<string>((resolve) => a.once("disconnect", (reason) => resolve(reason)));

    // Redis stalls, so the send below stays under way while the shutdown begins.
    const redisPid = redisPidOf(redis.port);
    signal(redisPid, "SIGSTOP");
    const events: string[] = [];
    const ack = a.emitWithAck("message:send", { room: "lobby", text: "under way" }).then((answer) => {
      events.push("ack");
      return answer;
    });
    void disconnected.then(() => events.push("disconnect"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill("SIGTERM");
    await server.waitForLine(/SIGTERM received/);

    // The primary no longer takes connections.
    const late = await tryConnect(server.url, { name: "Late" }, { timeout: 3000 });
    expect(late.connected).toBe(false);

    signal(redisPid, "SIGCONT");
    expect(await ack).toMatchObject({ ok: true, data: { id: expect.stringMatching(/^\d+-\d+$/) } });
    expect(await disconnected).toBe("io server disconnect");
    expect(events).toEqual(["ack", "disconnect"]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});

/** The pid of the redis-server listening on `port`. */
function redisPidOf(port: number): number {
  const out = execFileSync("pgrep", ["-f", `redis-server 127.0.0.1:${port}`], { encoding: "utf8" });
  const pid = Number(out.trim().split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no redis-server on port ${port}`);
  return pid;
}
