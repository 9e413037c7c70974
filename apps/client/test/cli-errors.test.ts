import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { freePort, type RunningServer, spawnCli, startServer, stopAllClis } from "@chat/test-kit";
import { afterEach, describe, expect, it } from "vitest";

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Said once when the server cannot be reached, with the cause (nothing listens on the port). */
const unreachable = (url: string) => new RegExp(`^cannot reach ${escaped(url)}: connection refused \\(ECONNREFUSED\\); retrying…$`);
const servers: RunningServer[] = [];

afterEach(async () => {
  await stopAllClis();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe("the connection", () => {
  it("keeps trying a server that is not running, says so, and connects once it runs", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = spawnCli(["A", "--url", url]);
    await cli.waitForError(unreachable(url), { timeoutMs: 5_000 });
    expect(cli.stdout).toEqual([]);
    expect(cli.child.exitCode).toBe(null);

    servers.push(await startServer({ workers: 2, env: { PORT: String(port) } }));
    await cli.waitForLine(/^connected, id: \S+$/, { timeoutMs: 20_000 });
    // Said once, not at every retry.
    expect(cli.stderr).toEqual([expect.stringMatching(unreachable(url))]);
  });

  it("takes the server from $CHAT_URL when there is no --url", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const cli = spawnCli(["A"], { CHAT_URL: url });
    await cli.waitForError(unreachable(url));
  });

  it("tells of a server that takes the connection and never answers, and keeps waiting", { timeout: 60_000 }, async () => {
    const silent = createServer(() => {}); // accepts, reads nothing, answers nothing
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const cli = spawnCli(["A", "--url", url]);
      await cli.waitForError(`cannot reach ${url}: no answer within 10 s; retrying…`, { timeoutMs: 30_000 });
      expect(cli.child.exitCode).toBe(null);
      expect(cli.stdout).toEqual([]);
      expect(cli.stderr).toEqual([`cannot reach ${url}: no answer within 10 s; retrying…`]);
      await cli.stop();
    } finally {
      silent.close();
    }
  });
});
