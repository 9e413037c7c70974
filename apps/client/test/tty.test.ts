import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  clientMain,
  type CliProcess,
  fromSource,
  type RunningServer,
  sleep,
  startChat,
  startServer,
  stopAllClis,
} from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const clientDir = fileURLToPath(new URL("../", import.meta.url));
const session = `chat-tty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session);

/** Polls the terminal until `pattern` shows, or fails with what it shows. */
async function waitForScreen(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = screen();
    if (pattern.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${shown}`);
    await sleep(100);
  }
}

describe("the client in a terminal", () => {
  let server: RunningServer | undefined;
  let bob: CliProcess;

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    const command = [process.execPath, ...fromSource(clientMain, "Ann", "--url", server.url)].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", clientDir, command);
    await waitForScreen(/connected, id: /);
    bob = (await startChat("Bob", server.url)).cli;
  });

  afterAll(async () => {
    try {
      tmux("kill-session", "-t", session);
    } catch {
      // already gone
    }
    await stopAllClis();
    await server?.stop();
  });

  it("sends what is typed, shows what arrives above the prompt, and announces typing", async () => {
    tmux("send-keys", "-t", session, "Hel");
    // Typing notices are volatile: one may be dropped while a connection is busy. Keys that
    // leave the line as it is (the arrow at its end) keep announcing until one gets through.
    for (let attempt = 0; ; attempt++) {
      try {
        await bob.waitForLine("* Ann is typing in lobby…", { timeoutMs: 3000 });
        break;
      } catch (error) {
        if (attempt === 6) throw error;
        tmux("send-keys", "-t", session, "Right");
      }
    }
    tmux("send-keys", "-t", session, "lo from the terminal", "Enter");
    await bob.waitForLine("Hello from the terminal from Ann");
    bob.send("Hi back");
    // The line and the prompt redrawn under it are two writes: wait for both.
    const shown = await waitForScreen(/Hi back from Bob\s*\n>\s*$/);
    const lines = shown.split("\n").filter((line) => line.trim() !== "");
    // The incoming line sits above a fresh prompt, not inside what Ann was typing.
    expect(lines.at(-1)).toBe(">");
    expect(lines).toContain("Hi back from Bob");
    expect(lines.filter((line) => line.includes("Hello from the terminal from Ann"))).toEqual([]);
  });
});
