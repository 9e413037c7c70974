import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fromSource, serverMain, startServer, type RunningServer } from "@chat/test-kit";
import type { Problem } from "@chat/client-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeAll, connected, textsIn, until } from "./support.ts";

const secret = "client-core-test-secret-0123456789abcdef";
const run = promisify(execFile);

/** A token from the operator's command, as an operator would issue it. */
async function issue(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, fromSource(serverMain, "token", name, "--ttl", "600"), {
    env: { ...process.env, AUTH_SECRET: secret },
  });
  return stdout.trim();
}

describe("a server with AUTH_MODE=token and a send limit of one a second", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      workers: 1,
      env: { AUTH_MODE: "token", AUTH_SECRET: secret, SEND_RATE_PER_CONNECTION: "1", SEND_RATE_PER_USER: "1" },
    });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses a bad token with the server's reason, and stops there", async () => {
    const chat = client(server.url, { name: "mallory", token: "not-a-token" });
    const state = await until(chat, () => (chat.connection.status === "refused" ? chat.connection : undefined), "refusal");
    expect(state.reason).toMatch(/token/i);
  });

  it("connects with a token alone, and says a rate limit with its wait while the lines go out in order", async () => {
    const chat = client(server.url, { token: await issue("tia") });
    await connected(chat);
    const problems: Problem[] = [];
    chat.on("problem", (problem) => problems.push(problem));
    const texts = ["one", "two", "three", "four", "five"];
    const sent = await Promise.all(texts.map((text) => chat.say("lobby", text)));
    expect(sent.map((outgoing) => outgoing.status)).toEqual(texts.map(() => "sent"));
    const limited = problems.find((problem) => problem.code === "rate_limited");
    expect(limited?.retryAfterMs).toBeGreaterThan(0);
    expect(limited?.what).toBe("sending to lobby");
    expect(chat.me).toBe("tia");
    expect(textsIn(chat, "lobby")).toEqual(texts);
  });
});
