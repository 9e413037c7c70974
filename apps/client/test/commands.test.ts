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
  ])("refuses %j", (line, reason) => {
    const command = parseCommand(line);
    expect(command.kind).toBe("invalid");
    expect(command.kind === "invalid" && command.reason).toContain(reason);
  });
});
