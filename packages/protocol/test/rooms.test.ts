import { describe, expect, it } from "vitest";
import { clientEvents, RoomJoin, RoomList, RoomPage, RoomRef } from "../src/index.ts";
import { rejection } from "./support.ts";

const patternMessage = 'room name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit';
const idMessage = "a message id looks like 1700000000000-0";
const message = { id: "1700000000000-0", room: "lobby", from: "alice", text: "Hi", sentAt: 1700000000000 };

describe("room:join payload (RoomJoin)", () => {
  const args = clientEvents["room:join"].args;

  it.each(["lobby", "a", "R2-D2", "v1.2", "team_blue", "x".repeat(32)])("accepts the room %j", (room) => {
    expect(args.parse([{ room }])).toStrictEqual([{ room }]);
  });

  it.each([
    { room: "", message: "room name must not be empty" },
    { room: "x".repeat(33), message: "room name must be at most 32 characters" },
    { room: "no spaces", message: patternMessage },
    { room: "#general", message: patternMessage },
    { room: ".hidden", message: patternMessage },
    { room: "café", message: patternMessage },
  ])("rejects the room $room at [0, room]", ({ room, message }) => {
    expect(rejection(args.safeParse([{ room }]))).toStrictEqual([{ path: [0, "room"], message }]);
  });

  it("requires a room", () => {
    expect(rejection(args.safeParse([{ after: "1-0" }]))).toStrictEqual([{ path: [0, "room"], message: "room name must be a string" }]);
  });

  it.each(["0-0", "1-0", "1700000000000-12"])("accepts after %j", (after) => {
    expect(RoomJoin.parse({ room: "lobby", after })).toStrictEqual({ room: "lobby", after });
  });

  it.each(["", "1700000000000", "1-", "-1", "latest", "1-0 "])("rejects after %j", (after) => {
    expect(rejection(args.safeParse([{ room: "lobby", after }]))).toStrictEqual([{ path: [0, "after"], message: idMessage }]);
  });

  it.each([{ after: 1700000000000 }, { after: null }])("rejects the non-string after $after", ({ after }) => {
    expect(rejection(RoomJoin.safeParse({ room: "lobby", after })).map((issue) => issue.path)).toStrictEqual([["after"]]);
  });

  it("rejects other keys, such as before or limit", () => {
    expect(rejection(RoomJoin.safeParse({ room: "lobby", before: "1-0", limit: 5 }))).toStrictEqual([
      { path: [], message: 'Unrecognized keys: "before", "limit"' },
    ]);
  });
});

describe("RoomRef (room:leave, presence:who, typing:start)", () => {
  it("accepts a room", () => {
    expect(RoomRef.parse({ room: "lobby" })).toStrictEqual({ room: "lobby" });
  });

  it("rejects a bad room, a missing room and extra keys", () => {
    expect(rejection(RoomRef.safeParse({ room: "a b" }))).toStrictEqual([{ path: ["room"], message: patternMessage }]);
    expect(rejection(RoomRef.safeParse({}))).toStrictEqual([{ path: ["room"], message: "room name must be a string" }]);
    expect(rejection(RoomRef.safeParse({ room: "lobby", after: "1-0" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "after"' },
    ]);
  });
});

describe("RoomList", () => {
  it("accepts a list of rooms, empty included", () => {
    expect(RoomList.parse({ rooms: ["lobby", "dev"] })).toStrictEqual({ rooms: ["lobby", "dev"] });
    expect(RoomList.parse({ rooms: [] })).toStrictEqual({ rooms: [] });
  });

  it("checks every room and refuses extra keys", () => {
    expect(rejection(RoomList.safeParse({ rooms: ["lobby", ""] }))).toStrictEqual([
      { path: ["rooms", 1], message: "room name must not be empty" },
    ]);
    expect(rejection(RoomList.safeParse({ rooms: [], more: false }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "more"' },
    ]);
  });
});

describe("RoomPage", () => {
  it("accepts a page of messages", () => {
    const page = { room: "lobby", messages: [message, { ...message, id: "1700000000000-1", clientId: "abcdefgh" }], more: true };
    expect(RoomPage.parse(page)).toStrictEqual(page);
  });

  it("requires more and checks every message", () => {
    expect(rejection(RoomPage.safeParse({ room: "lobby", messages: [] })).map((issue) => issue.path)).toStrictEqual([["more"]]);
    expect(rejection(RoomPage.safeParse({ room: "lobby", messages: [{ ...message, id: "x" }], more: false }))).toStrictEqual([
      { path: ["messages", 0, "id"], message: idMessage },
    ]);
  });

  it("refuses extra keys", () => {
    expect(rejection(RoomPage.safeParse({ room: "lobby", messages: [], more: false, after: "1-0" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "after"' },
    ]);
  });
});
