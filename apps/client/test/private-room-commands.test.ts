import { errorLines, startChat, startServer, stopAllClis, type CliProcess, type RunningServer } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("private rooms from the terminal, between two processes of one cluster", () => {
  let server: RunningServer | undefined;
  let a: CliProcess;
  let b: CliProcess;
  const room = `hush-${process.pid}`;

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

  it("/create --private makes a room only its creator is in; /join by anyone else is refused", async () => {
    const markB = b.stdout.length;
    const errorsB = b.stderr.length;
    a.send(`/create ${room} --private`);
    await a.waitForLine(`* created private room ${room}; lines now go to ${room}`);
    a.send("between us");
    b.send(`/join ${room}`);
    await b.waitForError(`error: not_invited: could not join ${room}: room ${room} is private; a member must invite you (/invite)`, {
      from: errorsB,
    });
    b.send(`/create ${room}`);
    await b.waitForError(`error: room_exists: could not create ${room}: room ${room} already exists; /join it instead`, { from: errorsB });
    expect(b.stdout.slice(markB)).not.toContain("between us from Ann");
  });

  it("/invite lets Bob in: he joins, sees the room's lines, and Ann hears him", async () => {
    const markA = a.stdout.length;
    const markB = b.stdout.length;
    a.send("/invite Bob");
    await a.waitForLine(`* invited Bob to ${room}`, { from: markA });
    b.send(`/join ${room}`);
    await b.waitForLine(`* joined ${room}; lines now go to ${room}`, { from: markB });
    await b.waitForLine("between us from Ann", { from: markB });
    b.send("thanks");
    await a.waitForLine("thanks from Bob", { from: markA });
  });

  it("/leave of a private room ends the membership: joining again is refused", async () => {
    const markB = b.stdout.length;
    const errorsB = b.stderr.length;
    b.send(`/leave ${room}`);
    await b.waitForLine(`* left ${room}; current room: lobby`, { from: markB });
    b.send(`/join ${room}`);
    await b.waitForError(`error: not_invited: could not join ${room}: room ${room} is private; a member must invite you (/invite)`, {
      from: errorsB,
    });
    expect(errorLines(a)).toEqual([]);
  });
});
