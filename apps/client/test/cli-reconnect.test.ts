import { type RunningServer, spawnCli, startChat, startServer, stopAllClis, textsFrom } from "@chat/test-kit";
import { afterEach, describe, expect, it } from "vitest";

/** A file of its own: it waits for two server starts and a reconnection, beside the other files. */
const servers: RunningServer[] = [];

afterEach(async () => {
  await stopAllClis();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe("the connection", () => {
  it("reconnects to a server restarted on the same port, shows what it missed, then what is new", { timeout: 90_000 }, async () => {
    const first = await startServer({ workers: 2 });
    servers.push(first);
    const { cli: b, id: firstId } = await startChat("B", first.url);

    await first.stop("SIGTERM");
    servers.splice(servers.indexOf(first), 1);
    await b.waitForError(/^disconnected \(.+\), reconnecting…$/);
    const afterLoss = b.stdout.length;

    // Freeze B while the same deployment comes back (same port, same Redis prefix) and A
    // says something: B cannot reconnect before that line is stored, so it has missed it.
    b.child.kill("SIGSTOP");
    try {
      const second = await startServer({ workers: 2, env: { PORT: String(first.port) }, prefix: first.prefix });
      servers.push(second);
      expect(second.port).toBe(first.port);
      const early = spawnCli(["A", "--url", second.url]);
      early.send("while you were away");
      early.end();
      expect(await early.exit()).toEqual({ code: 0, signal: null });
    } finally {
      b.child.kill("SIGCONT");
    }

    const again = await b.waitForLine(/^connected, id: \S+$/, { from: afterLoss, timeoutMs: 30_000 });
    expect(again).not.toBe(`connected, id: ${firstId}`);
    await b.waitForLine("while you were away from A", { from: afterLoss });
    const late = spawnCli(["A", "--url", first.url]);
    late.send("back again");
    late.end();
    expect(await late.exit()).toEqual({ code: 0, signal: null });
    await b.waitForLine("back again from A", { from: afterLoss });
    expect(textsFrom(b, "A")).toEqual(["while you were away", "back again"]);
    expect(b.child.exitCode).toBe(null);
    // On stderr, only the loss and, while the server was down, the failed reconnections.
    expect(b.stderr.filter((line) => !/^(disconnected \(.+\), reconnecting…|cannot reach .+; retrying…)$/.test(line))).toEqual([]);
  });
});
