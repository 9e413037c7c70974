import { describe, expect, it } from "vitest";
import { ackSchemaOf, Empty, ok, serverEvents, TypingNotice } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("typing:started payload (TypingNotice)", () => {
  it("accepts a room and a user", () => {
    expect(serverEvents["typing:started"].parse([{ room: "lobby", user: "alice" }])).toStrictEqual([{ room: "lobby", user: "alice" }]);
  });

  it("requires both and refuses extra keys", () => {
    expect(rejection(TypingNotice.safeParse({ user: "alice" }))).toStrictEqual([{ path: ["room"], message: "room name must be a string" }]);
    expect(rejection(TypingNotice.safeParse({ room: "lobby", user: "alice", text: "Hel" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "text"' },
    ]);
  });
});

describe("Empty (typing:start's answer)", () => {
  it("accepts only the empty object", () => {
    expect(Empty.parse({})).toStrictEqual({});
    expect(ackSchemaOf("typing:start").parse(ok({}))).toStrictEqual({ ok: true, data: {} });
    expect(rejection(Empty.safeParse({ sent: true }))).toStrictEqual([{ path: [], message: 'Unrecognized key: "sent"' }]);
    expect(rejection(Empty.safeParse(null)).map((issue) => issue.path)).toStrictEqual([[]]);
  });
});
