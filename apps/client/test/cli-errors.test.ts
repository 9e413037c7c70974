import { limits } from "@chat/protocol";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { freePort, type RunningServer, spawnCli, startChat, startServer, stopAllClis, textsFrom } from "@chat/test-kit";
import { afterEach, describe, expect, it } from "vitest";

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const usageLine = "Usage: chat <name> [--url <server>] [--token <token>]";
/** Said once when the server cannot be reached, with the cause (nothing listens on the port). */
const unreachable = (url: string) => new RegExp(`^cannot reach ${escaped(url)}: connection refused \\(ECONNREFUSED\\); retrying…$`);
const servers: RunningServer[] = [];
const clientVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

afterEach(async () => {
  await stopAllClis();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe("the command line", () => {
  it.each(["--help", "-h", "A --help"])("chat %s prints the usage on stdout and exits 0", async (line) => {
    const cli = spawnCli(line.split(" "));
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout[0]).toBe(usageLine);
    expect(cli.stdout).toContain("  --url <server>   the server to connect to (default: $CHAT_URL or http://localhost:3000)");
    expect(cli.stdout).toContain("  --token <token>  a token issued for <name> (chat-server token <name>), for a server");
    expect(cli.stdout).toContain("  -v, --version    print the version");
    expect(cli.stderr).toEqual([]);
  });

  it.each(["--version", "-v", "A --version"])("chat %s prints the package's version on stdout and exits 0", async (line) => {
    const cli = spawnCli(line.split(" "));
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toEqual([clientVersion]);
    expect(cli.stderr).toEqual([]);
  });

  it.each([
    { args: [], message: "chat: a name is required" },
    { args: ["a b"], message: /^chat: invalid name "a b": / },
    { args: ["-A"], message: /^chat: Unknown option '-A'/ },
    { args: ["x".repeat(limits.nameMaxLength + 1)], message: /^chat: invalid name "x+": .*at most 32/ },
    { args: ["A", "B"], message: 'chat: unexpected argument "B"' },
    { args: ["A", "--colour"], message: /^chat: Unknown option '--colour'/ },
    { args: ["A", "--url"], message: /^chat: Option '--url <value>' argument missing/ },
    { args: ["A", "--url", "nope"], message: 'chat: invalid --url "nope": expected an http(s) or ws(s) URL such as http://localhost:3000' },
  ])("chat $args exits 2 with a message and the usage on stderr", async ({ args, message }) => {
    const cli = spawnCli(args);
    expect(await cli.exit()).toEqual({ code: 2, signal: null });
    expect(cli.stdout).toEqual([]);
    expect(cli.stderr[0]).toEqual(typeof message === "string" ? message : expect.stringMatching(message));
    expect(cli.stderr).toContain(usageLine);
  });

  // `localhost:3000` parses as a URL (scheme "localhost:"), and so does `ftp://...`; but
  // socket.io-client turns anything that does not start with http(s):// or ws(s):// into
  // https://..., so such a --url never reaches the server and the CLI retries forever.
  it.each([["localhost:3000"], ["ftp://127.0.0.1:3000"]])("chat A --url %s exits 2: not an http(s) or ws(s) URL", async (url) => {
    const cli = spawnCli(["A", "--url", url]);
    expect(await cli.exit(8000)).toEqual({ code: 2, signal: null });
    expect(cli.stderr[0]).toMatch(/^chat: invalid --url /);
  });
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
