import { connectClient, spawnCli, startServer, stopAllClis, type CliProcess, type RunningServer, type TestClient } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Another user's text reaches this user's terminal as text: what a terminal would act on
 * (escape sequences, control characters, bidirectional overrides) is printed as a visible
 * escape, in live lines, in the lines a join catches up with, in /history and in direct
 * messages. The sender is a plain Socket.IO client, as an attacker's would be.
 */

/** One of each: clear the screen and retitle the window (the finding), write the clipboard
 * (OSC 52), a hyperlink (OSC 8), move the cursor up and erase a line, overwrite with a carriage
 * return, a forged newline, an 8-bit CSI, DEL, a right-to-left override, an isolate. */
const attack =
  "\u001b[2J\u001b]0;pwned\u0007" +
  "\u001b]52;c;cHduZWQ=\u0007" +
  "\u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007" +
  "\u001b[1A\u001b[2K" +
  "fake\rline\nBob: forged" +
  "\u009b2J\u007f" +
  "\u202egnp.exe\u2066iso\u2069";

/** The same, as it must be printed: every character a terminal acts on, escaped. */
const shownAttack =
  "\\x1b[2J\\x1b]0;pwned\\x07" +
  "\\x1b]52;c;cHduZWQ=\\x07" +
  "\\x1b]8;;http://evil.example\\x07link\\x1b]8;;\\x07" +
  "\\x1b[1A\\x1b[2K" +
  "fake\\rline\\nBob: forged" +
  "\\x9b2J\\x7f" +
  "\\u202egnp.exe\\u2066iso\\u2069";

/** Anything a terminal would act on, other than the newline that ends each line printed. */
// eslint-disable-next-line no-control-regex -- finding control characters is what it is for
const actedOn = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("the CLI prints other users' control characters escaped, never as they are", () => {
  let server: RunningServer | undefined;
  let mallory: TestClient;
  let rita: CliProcess;
  /** Every byte the CLI wrote to stdout, as it wrote it. */
  const raw: Buffer[] = [];
  const room = `den${process.pid}`;

  const say = async (text: string, to?: string) => {
    const ack = (await (to === undefined
      ? mallory.emitWithAck("message:send", { room, text })
      : mallory.emitWithAck("dm:send", { to, text }))) as { ok: boolean };
    expect(ack.ok).toBe(true);
  };

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    mallory = await connectClient(server.url, "Mallory");
    expect(await mallory.emitWithAck("room:join", { room })).toMatchObject({ ok: true });
    // Twelve lines before Rita comes: a join shows the last ten, /history the two before them.
    for (let i = 1; i <= 12; i++) await say(`old ${i} ${attack}`);
    rita = spawnCli(["Rita", "--url", server.url]);
    rita.child.stdout?.on("data", (chunk: Buffer | string) => raw.push(Buffer.from(chunk)));
    await rita.waitForLine(/^connected, id: /);
  }, 90_000);

  afterAll(async () => {
    mallory?.close();
    await stopAllClis();
    await server?.stop();
  });

  it("in the lines a join shows, in /history, live, and in a direct message", async () => {
    rita.send(`/join ${room}`);
    await rita.waitForLine(`old 12 ${shownAttack} from Mallory`);
    await rita.waitForLine(`old 3 ${shownAttack} from Mallory`);

    rita.send("/history");
    await rita.waitForLine(`* history of ${room}: 2 earlier message(s), from the start`);
    await rita.waitForLine(`old 1 ${shownAttack} from Mallory`);
    await rita.waitForLine(`old 2 ${shownAttack} from Mallory`);

    await say(`live ${attack}`);
    await rita.waitForLine(`live ${shownAttack} from Mallory`);

    await say(`direct ${attack}`, "Rita");
    await rita.waitForLine(`(dm) direct ${shownAttack} from Mallory`);

    // Each message is one line: nothing forged a line of its own.
    expect(rita.stdout.filter((line) => line.startsWith("Bob: forged"))).toEqual([]);
    const bytes = Buffer.concat(raw);
    expect(bytes.includes(0x1b)).toBe(false); // ESC
    expect(bytes.includes(0x07)).toBe(false); // BEL
    expect(bytes.includes(0x0d)).toBe(false); // CR
    const text = bytes.toString("utf8");
    expect(text.split("\n").filter((line) => actedOn.test(line))).toEqual([]);
  });
});
