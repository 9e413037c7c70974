import { type CliProcess, errorLines, type RunningServer, startChat, startServer, stopAllClis } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the chat commands, between two processes of one cluster", () => {
  let server: RunningServer | undefined;
  let a: CliProcess;
  let b: CliProcess;

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    a = (await startChat("Ann", server.url)).cli;
    b = (await startChat("Bob", server.url)).cli;
    await a.waitForLine("* Bob joined lobby");
  });

  afterAll(async () => {
    await stopAllClis();
    await server?.stop();
  });

  it("/join makes a room current; lines go there, and only its members see them", async () => {
    const mark = b.stdout.length;
    a.send("/join dev");
    await a.waitForLine("* joined dev; lines now go to dev");
    a.send("only for dev");
    a.send("/room lobby");
    await a.waitForLine("* lines now go to lobby");
    a.send("for the lobby");
    await b.waitForLine("for the lobby from Ann", { from: mark });
    expect(b.stdout.slice(mark)).not.toContain("only for dev from Ann");
  });

  it("shows a joining user the room's recent messages and tells the members", async () => {
    const markA = a.stdout.length;
    const markB = b.stdout.length;
    b.send("/join dev");
    await b.waitForLine("* joined dev; lines now go to dev", { from: markB });
    await b.waitForLine("only for dev from Ann", { from: markB });
    await a.waitForLine("* Bob joined dev", { from: markA });
    b.send("hello dev");
    await a.waitForLine("[dev] hello dev from Bob", { from: markA });
  });

  it("/rooms lists the rooms with the current one; /who lists who is online", async () => {
    const mark = b.stdout.length;
    b.send("/rooms");
    await b.waitForLine("* rooms: dev, lobby (current: dev)", { from: mark });
    b.send("/who");
    await b.waitForLine("* online in dev: Ann, Bob", { from: mark });
    b.send("/who lobby");
    await b.waitForLine("* online in lobby: Ann, Bob", { from: mark });
  });

  it("/dm reaches the user, whatever room they are in; an offline user is an error", async () => {
    const markA = a.stdout.length;
    const markB = b.stdout.length;
    b.send("/dm Ann just between us");
    await a.waitForLine("(dm) just between us from Bob", { from: markA });
    const errorsB = b.stderr.length;
    b.send("/dm Nobody hello?");
    await b.waitForError("error: not_found: user Nobody is not online", { from: errorsB });
    expect(b.stdout.slice(markB)).not.toContain("error: not_found: user Nobody is not online");
  });

  it("/history pages back through the current room", async () => {
    const mark = a.stdout.length;
    a.send("/room dev");
    await a.waitForLine("* lines now go to dev", { from: mark });
    // Ann has been shown Bob's line live; before it, dev holds only Ann's own first line.
    a.send("/history 2");
    const header = await a.waitForLine(/^\* history of dev:/, { from: mark });
    expect(header).toBe("* history of dev: 1 earlier message(s), from the start");
    const at = a.stdout.indexOf(header, mark);
    await a.waitForLine("only for dev from Ann", { from: at + 1 });
    expect(a.stdout[at + 1]).toBe("only for dev from Ann");
  });

  it("/leave tells the room and stops its messages", async () => {
    const markA = a.stdout.length;
    const markB = b.stdout.length;
    b.send("/leave dev");
    await b.waitForLine("* left dev; current room: lobby", { from: markB });
    await a.waitForLine("* Bob left dev", { from: markA });
    a.send("after Bob left");
    a.send("/room lobby");
    a.send("back in the lobby");
    await b.waitForLine("back in the lobby from Ann", { from: markB });
    expect(b.stdout.slice(markB)).not.toContain("[dev] after Bob left from Ann");
    expect(errorLines(a)).toEqual([]);
  });
});
