import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { fromSource, type RunningServer, serverMain, spawnCli, startServer, stopAllClis, textsFrom } from "@chat/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const secret = "client-token-test-secret-0123456789abcdef";

/** A token from the operator's command, `chat-server token <name> --ttl <seconds>`, as an operator would get it. */
async function issue(name: string, ttl = 600, key = secret): Promise<string> {
  const { stdout } = await run(process.execPath, fromSource(serverMain, "token", name, "--ttl", String(ttl)), {
    env: { ...process.env, AUTH_SECRET: key },
  });
  return stdout.trim();
}

/** A token built by hand from the documented format: for an expiry in the past. */
const signed = (payload: unknown) => {
  const first = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${first}.${createHmac("sha256", secret).update(first).digest("base64url")}`;
};

describe("chat <name> --token <token>, against a server with AUTH_MODE=token", () => {
  let server: RunningServer;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    server = await startServer({ workers: 1, env: { AUTH_MODE: "token", AUTH_SECRET: secret } });
    [tokenA, tokenB] = await Promise.all([issue("A"), issue("B")]);
  }, 60_000);
  afterEach(async () => {
    await stopAllClis();
  });
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it("connects with --token or CHAT_TOKEN, and the others see the token's name", async () => {
    const a = spawnCli(["A", "--url", server.url, "--token", tokenA], { CHAT_TOKEN: undefined });
    const b = spawnCli(["B", "--url", server.url], { CHAT_TOKEN: tokenB });
    await Promise.all([a.waitForLine(/^connected, id: \S+$/), b.waitForLine(/^connected, id: \S+$/)]);
    a.send("hello with a token");
    await b.waitForLine("hello with a token from A");
    b.send("and back");
    await a.waitForLine("and back from B");
    a.end();
    b.end();
    expect(await a.exit()).toEqual({ code: 0, signal: null });
    expect(await b.exit()).toEqual({ code: 0, signal: null });
    expect(textsFrom(b, "A")).toEqual(["hello with a token"]);
  });

  it("--token wins over CHAT_TOKEN", async () => {
    const a = spawnCli(["A", "--url", server.url, "--token", tokenA], { CHAT_TOKEN: "garbage" });
    await a.waitForLine(/^connected, id: \S+$/);
  });

  const refusals: { what: string; args: () => string[]; reason: string | RegExp }[] = [
    {
      what: "a malformed token",
      args: () => ["A", "--token", "garbage"],
      reason: 'error: unauthorized: malformed token: expected two base64url parts joined by "."',
    },
    {
      what: "A's payload with the signature of B's token",
      args: () => ["A", "--token", `${tokenA.split(".")[0] ?? ""}.${tokenB.split(".")[1] ?? ""}`],
      reason: "error: unauthorized: bad token signature: the token was not issued with this server's secret",
    },
    {
      what: "an expired token",
      args: () => ["A", "--token", signed({ sub: "A", exp: 1_700_000_000 })],
      reason: "error: unauthorized: token expired at 2023-11-14T22:13:20.000Z",
    },
    {
      what: "another user's token",
      args: () => ["B", "--token", tokenA],
      reason: 'error: unauthorized: the handshake\'s name "B" is not the token\'s "A"',
    },
    {
      what: "no token at all",
      args: () => ["A"],
      reason: "error: unauthorized: invalid handshake: a token is required: this server accepts only signed tokens (auth: { token })",
    },
  ];

  it.each(refusals)("$what: prints the reason and exits 1", async ({ args, reason }) => {
    const cli = spawnCli([...args(), "--url", server.url], { CHAT_TOKEN: undefined });
    expect(await cli.exit()).toEqual({ code: 1, signal: null });
    expect(cli.stderr).toContain(reason);
    expect(cli.stdout).not.toContain(reason);
    expect(cli.stdout.filter((line) => line.startsWith("connected"))).toEqual([]);
  });

  it("a token from the command with another secret is refused too", async () => {
    const cli = spawnCli(["A", "--url", server.url, "--token", await issue("A", 600, "x".repeat(40))], { CHAT_TOKEN: undefined });
    expect(await cli.exit()).toEqual({ code: 1, signal: null });
    expect(cli.stderr).toContain("error: unauthorized: bad token signature: the token was not issued with this server's secret");
  });
});

describe("the --token option", () => {
  it("is in the usage", async () => {
    const cli = spawnCli(["--help"]);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain("  --token <token>  a token issued for <name> (chat-server token <name>), for a server");
  });

  it("an empty --token is a bad command line: exit 2", async () => {
    const cli = spawnCli(["A", "--token", ""]);
    expect(await cli.exit()).toEqual({ code: 2, signal: null });
    expect(cli.stderr[0]).toBe("chat: invalid --token: it must not be empty");
  });

  it("against a server in trust mode, the name is taken and the token ignored", async () => {
    const server = await startServer({ workers: 1, env: { AUTH_MODE: undefined } });
    try {
      const cli = spawnCli(["A", "--url", server.url, "--token", "anything"], { CHAT_TOKEN: undefined });
      await cli.waitForLine(/^connected, id: \S+$/);
      cli.end();
      expect(await cli.exit()).toEqual({ code: 0, signal: null });
    } finally {
      await stopAllClis();
      await server.stop();
    }
  }, 60_000);
});
