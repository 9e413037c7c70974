import { limits } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { parseCommand } from "../src/commands.ts";

describe("reading a line of input", () => {
  it("sends any line that does not start with / as text, spacing kept", () => {
    expect(parseCommand("  Hello there ")).toEqual({ kind: "say", text: "  Hello there " });
  });

  it.each([
    ["/join dev", { kind: "join", room: "dev" }],
    ["/leave dev", { kind: "leave", room: "dev" }],
    ["/room dev", { kind: "switch", room: "dev" }],
    ["/rooms", { kind: "rooms" }],
    ["/who", { kind: "who", room: undefined }],
    ["/who dev", { kind: "who", room: "dev" }],
    ["/history", { kind: "history", count: undefined }],
    ["/history 5", { kind: "history", count: 5 }],
    ["/dm B see  you later", { kind: "dm", to: "B", text: "see  you later" }],
    ["/help", { kind: "help" }],
    ["/create team", { kind: "create", room: "team", private: false }],
    ["/create team --private", { kind: "create", room: "team", private: true }],
    ["/invite Bob", { kind: "invite", user: "Bob", room: undefined }],
    ["/invite Bob team", { kind: "invite", user: "Bob", room: "team" }],
  ])("%s", (line, command) => {
    expect(parseCommand(line)).toEqual(command);
  });

  it.each([
    ["/join", "usage: /join <room>"],
    ["/join a b", "usage: /join <room>"],
    ["/join no!", "room name may hold only"],
    [`/join ${"r".repeat(limits.nameMaxLength + 1)}`, `at most ${limits.nameMaxLength}`],
    ["/history 0", "usage: /history [n], n from 1 to 100"],
    ["/history 101", "usage: /history [n], n from 1 to 100"],
    ["/history x", "usage: /history [n], n from 1 to 100"],
    ["/dm B", "usage: /dm <user> <text>"],
    ["/dm B   ", "usage: /dm <user> <text>"],
    ["/dm b@d hi", "usage: /dm <user> <text>"],
    ["/frobnicate", "unknown command /frobnicate; /help lists them"],
    ["/create", "usage: /create <room> [--private]"],
    ["/create team --secret", "usage: /create <room> [--private]"],
    ["/create team --private --private", "usage: /create <room> [--private]"],
    ["/create no! --private", "room name may hold only"],
    ["/invite", "usage: /invite <user> [room]"],
    ["/invite b@d", "usage: /invite <user> [room]"],
    ["/invite Bob team extra", "usage: /invite <user> [room]"],
    ["/invite Bob no!", "room name may hold only"],
  ])("refuses %j", (line, reason) => {
    const command = parseCommand(line);
    expect(command.kind).toBe("invalid");
    expect(command.kind === "invalid" && command.reason).toContain(reason);
  });
});

describe("the help", () => {
  it("lists the room commands, private rooms included", async () => {
    const { commandHelp } = await import("../src/commands.ts");
    expect(commandHelp).toContain("/create <room> [--private]");
    expect(commandHelp).toContain("/invite <user> [room]");
    expect(commandHelp).toContain("leaving a private room ends your membership");
  });
});
