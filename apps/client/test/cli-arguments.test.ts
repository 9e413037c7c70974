import { limits } from "@chat/protocol";
import { readFileSync } from "node:fs";
import { spawnCli, stopAllClis } from "@chat/test-kit";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The command line's own answers: usage, version, bad arguments. Each check runs a `chat` of
 * its own to its exit and shares nothing with the others, so they run at once.
 */
const usageLine = "Usage: chat <name> [--url <server>] [--token <token>]";
const clientVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

// Each check waits for its own process to exit; one that failed may have left it running.
afterAll(stopAllClis);

describe.concurrent("the command line", () => {
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
    expect(await cli.exit()).toEqual({ code: 2, signal: null });
    expect(cli.stderr[0]).toMatch(/^chat: invalid --url /);
  });
});
