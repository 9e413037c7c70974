import { describe, expect, it } from "vitest";
import { PresenceChange, PresenceList, serverEvents } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("PresenceList (presence:who's answer)", () => {
  it("accepts a room and its users, none included", () => {
    expect(PresenceList.parse({ room: "lobby", users: ["alice", "bob"] })).toStrictEqual({ room: "lobby", users: ["alice", "bob"] });
    expect(PresenceList.parse({ room: "lobby", users: [] })).toStrictEqual({ room: "lobby", users: [] });
  });

  it("checks every user and refuses extra keys", () => {
    expect(rejection(PresenceList.safeParse({ room: "lobby", users: ["alice", "-bob"] })).map((issue) => issue.path)).toStrictEqual([
      ["users", 1],
    ]);
    expect(rejection(PresenceList.safeParse({ room: "lobby", users: [], count: 0 }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "count"' },
    ]);
  });
});

describe.each(["presence:joined", "presence:left"] as const)("%s payload (PresenceChange)", (event) => {
  const args = serverEvents[event];

  it("accepts a room and a user", () => {
    expect(args.parse([{ room: "lobby", user: "alice" }])).toStrictEqual([{ room: "lobby", user: "alice" }]);
  });

  it("requires both and checks them as names", () => {
    expect(rejection(args.safeParse([{ room: "lobby" }]))).toStrictEqual([{ path: [0, "user"], message: "user name must be a string" }]);
    expect(rejection(PresenceChange.safeParse({ room: "a b", user: "alice" })).map((issue) => issue.path)).toStrictEqual([["room"]]);
  });

  it("refuses extra keys", () => {
    expect(rejection(PresenceChange.safeParse({ room: "lobby", user: "alice", at: 1 }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "at"' },
    ]);
  });
});
