import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { ConnectRefusal, DirectMessage } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.ts";
import { ok } from "./support/requests.ts";
import {
  connectClient,
  type RunningServer,
  serverMain,
  sourceFlags,
  startServer,
  type TestClient,
  waitFor,
} from "@chat/test-kit";
import { emitRaw, inbox, parseFailure, sendLine, tryConnect, type ConnectOutcome } from "./support/wire.ts";

const run = promisify(execFile);
const secret = "auth-test-secret-0123456789abcdef-xyz";
const otherSecret = "another-secret-0123456789abcdef-uvwxyz";

/** A token built by hand from the documented format: for payloads `mintToken` refuses to write. */
const signed = (payload: unknown, key = secret) => {
  const first = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${first}.${createHmac("sha256", key).update(first).digest("base64url")}`;
};

const connectedLines = (server: RunningServer) => server.lines.filter((line) => / connected, id: /.test(line)).length;

/** The refusal of a connection attempt; fails the test if it connected. */
const refusalOf = (outcome: ConnectOutcome) => {
  if (outcome.connected) throw new Error("expected the connection to be refused, but it connected");
  const refusal = ConnectRefusal.parse(outcome.data);
  expect(outcome.message).toBe(refusal.message);
  return refusal;
};

describe("AUTH_MODE=token", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  const tokenOf = (name: string) => mintToken(secret, name, 600);
  const connect = async (label: string, auth: Record<string, unknown>) => {
    const client = await connectClient(server.url, label, { auth });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServer({ workers: 2, env: { AUTH_MODE: "token", AUTH_SECRET: secret } });
  }, 60_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 60_000);

  it("a valid token connects, and its messages carry the token's name, in a room and directly", async () => {
    const a = await connect("A", { token: tokenOf("A") });
    const b = await connect("B", { name: "B", token: tokenOf("B") });
    const atB = inbox(b);
    const id = await sendLine(a, "hello from a token");
    expect(await atB.waitForText("hello from a token")).toMatchObject({ id, from: "A", room: "lobby" });

    const direct = waitFor(b, "dm:new");
    await ok(a, "dm:send", { to: "B", text: "direct from a token" });
    const [dm] = await direct;
    expect(DirectMessage.parse(dm)).toMatchObject({ from: "A", to: "B", text: "direct from a token" });
  });

  it("a handshake name that differs from the token's is refused, and nothing connects", async () => {
    const before = connectedLines(server);
    const refusal = refusalOf(await tryConnect(server.url, { name: "B", token: tokenOf("A") }));
    expect(refusal).toEqual({ code: "unauthorized", message: 'the handshake\'s name "B" is not the token\'s "A"' });
    expect(connectedLines(server)).toBe(before);
  });

  it("a client can never act as another user: what token A sends arrives from A, whatever the payload claims", async () => {
    const a = await connect("A", { name: "A", token: tokenOf("A") });
    const b = await connect("B", { token: tokenOf("B") });
    const atB = inbox(b);
    const claims = [
      await emitRaw(a, "message:send", [{ room: "lobby", text: "I am B", from: "B" }]),
      await emitRaw(a, "dm:send", [{ to: "B", text: "I am B", from: "B" }]),
    ];
    for (const claim of claims) expect(parseFailure(claim).error.code).toBe("invalid_payload");
    await sendLine(a, "still A");
    expect((await atB.waitForText("still A")).from).toBe("A");
    expect(atB.messages.map((message) => [message.text, message.from])).toEqual([["still A", "A"]]);
  });

  const missing = "invalid handshake: a token is required: this server accepts only signed tokens (auth: { token })";
  const refusals: { what: string; auth: () => Record<string, unknown> | undefined; message: string }[] = [
    { what: "no auth at all", auth: () => undefined, message: missing },
    { what: "a name without a token", auth: () => ({ name: "A" }), message: missing },
    { what: "a number for a token", auth: () => ({ token: 42 }), message: "invalid handshake: token must be a string" },
    {
      what: "a malformed token",
      auth: () => ({ name: "A", token: "not-a-token" }),
      message: 'malformed token: expected two base64url parts joined by "."',
    },
    {
      what: "a token signed with another secret",
      auth: () => ({ name: "A", token: mintToken(otherSecret, "A", 600) }),
      message: "bad token signature: the token was not issued with this server's secret",
    },
    {
      what: "a token whose payload was changed to another user",
      auth: () => {
        const [, signature] = mintToken(secret, "A", 600).split(".");
        return { token: `${Buffer.from(JSON.stringify({ sub: "B", exp: 4_000_000_000 })).toString("base64url")}.${signature}` };
      },
      message: "bad token signature: the token was not issued with this server's secret",
    },
    {
      what: "an expired token",
      auth: () => ({ name: "A", token: signed({ sub: "A", exp: 1_700_000_000 }) }),
      message: "token expired at 2023-11-14T22:13:20.000Z",
    },
    {
      what: "a token for an invalid name",
      auth: () => ({ token: signed({ sub: "a b", exp: 4_000_000_000 }) }),
      message: 'invalid name in token "a b": user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit',
    },
  ];

  it.each(refusals)("refuses $what with connect_error { code: unauthorized } and the reason", async ({ auth, message }) => {
    const before = connectedLines(server);
    const refusal = refusalOf(await tryConnect(server.url, auth()));
    expect(refusal).toEqual({ code: "unauthorized", message });
    expect(connectedLines(server)).toBe(before);
  });

  it("each kind of bad token has its own message", () => {
    const messages = refusals.map((refusal) => refusal.message);
    expect(new Set(messages.slice(3)).size).toBe(4);
    expect(messages.every((message) => message !== "")).toBe(true);
  });

  it("chat-server token <name> prints a token the server takes", async () => {
    const { stdout, stderr } = await run(process.execPath, [...sourceFlags, serverMain, "token", "carol", "--ttl", "60"], {
      env: { ...process.env, AUTH_SECRET: secret },
    });
    const lines = stdout.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(stderr).toMatch(/^token for carol, good until \d{4}-\d\d-\d\dT/);
    const carol = await connect("carol", { token: lines[0] });
    const listener = await connect("B", { token: tokenOf("B") });
    const atListener = inbox(listener);
    await sendLine(carol, "minted by the command");
    expect((await atListener.waitForText("minted by the command")).from).toBe("carol");
  });
});

describe("AUTH_MODE=trust (the default): the handshake's name, as before", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 1, env: { AUTH_MODE: undefined, AUTH_SECRET: undefined } });
  }, 60_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 60_000);

  it("takes the name and ignores a token, even one for another user", async () => {
    const a = await connectClient(server.url, "A", { auth: { name: "A", token: mintToken(secret, "Z", 600) } });
    const b = await connectClient(server.url, "B");
    clients.push(a, b);
    const atB = inbox(b);
    await sendLine(a, "trusted");
    expect((await atB.waitForText("trusted")).from).toBe("A");
  });

  it("refuses a token without a name", async () => {
    const refusal = refusalOf(await tryConnect(server.url, { token: mintToken(secret, "A", 600) }));
    expect(refusal).toEqual({ code: "unauthorized", message: "invalid handshake: user name must be a string" });
  });
});
