import { describe, expect, it } from "vitest";
import { clientEvents, DirectMessage, DirectSend, InboxFetch, InboxPage, limits } from "../src/index.ts";
import { rejection } from "./support.ts";

const userPattern = 'user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit';
const idMessage = "a message id looks like 1700000000000-0";
const direct = { id: "1700000000000-0", from: "alice", to: "bob", text: "Hi", sentAt: 1700000000000 };

describe("dm:send payload (DirectSend)", () => {
  const args = clientEvents["dm:send"].args;

  it("accepts a recipient and a text", () => {
    expect(args.parse([{ to: "bob", text: "Hi" }])).toStrictEqual([{ to: "bob", text: "Hi" }]);
  });

  it("rejects a payload that tries to carry its sender", () => {
    expect(rejection(args.safeParse([{ to: "bob", text: "Hi", from: "mallory" }]))).toStrictEqual([
      { path: [0], message: 'Unrecognized key: "from"' },
    ]);
  });

  it("rejects server-assigned fields and a room", () => {
    expect(rejection(DirectSend.safeParse({ to: "bob", text: "Hi", id: "1-0", sentAt: 1, room: "lobby" }))).toStrictEqual([
      { path: [], message: 'Unrecognized keys: "id", "sentAt", "room"' },
    ]);
  });

  it("checks the recipient like a user name and the text like any text", () => {
    expect(rejection(DirectSend.safeParse({ to: "bob smith", text: "" }))).toStrictEqual([
      { path: ["to"], message: userPattern },
      { path: ["text"], message: "text must not be empty" },
    ]);
    expect(rejection(DirectSend.safeParse({ to: "b".repeat(33), text: "t".repeat(2001) }))).toStrictEqual([
      { path: ["to"], message: "user name must be at most 32 characters" },
      { path: ["text"], message: "text must be at most 2000 characters" },
    ]);
    expect(rejection(DirectSend.safeParse({ text: "Hi" }))).toStrictEqual([{ path: ["to"], message: "user name must be a string" }]);
  });
});

describe("dm:new payload (DirectMessage)", () => {
  it("accepts a complete direct message", () => {
    expect(DirectMessage.parse(direct)).toStrictEqual(direct);
  });

  it.each(["id", "from", "to", "text", "sentAt"] as const)("rejects a message without %s", (key) => {
    const { [key]: _dropped, ...rest } = direct;
    expect(rejection(DirectMessage.safeParse(rest)).map((issue) => issue.path)).toStrictEqual([[key]]);
  });

  it("rejects a room and other extra keys", () => {
    expect(rejection(DirectMessage.safeParse({ ...direct, room: "lobby" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "room"' },
    ]);
  });
});

describe("dm:fetch payload (InboxFetch)", () => {
  const args = clientEvents["dm:fetch"].args;

  it.each([{}, { after: "1700000000000-0" }, { before: "1700000000000-0", limit: 20 }, { after: "0-0", limit: 500 }])(
    "accepts %j",
    (fetch) => {
      expect(args.parse([fetch])).toStrictEqual([fetch]);
    },
  );

  it("leaves refusing both after and before to the server", () => {
    expect(InboxFetch.parse({ after: "1-0", before: "2-0" })).toStrictEqual({ after: "1-0", before: "2-0" });
  });

  it(`accepts a limit of 1 and of ${limits.resumeMaxLength}, rejects 0 and ${limits.resumeMaxLength + 1}`, () => {
    expect(limits.resumeMaxLength).toBe(500);
    expect(InboxFetch.safeParse({ limit: 1 }).success).toBe(true);
    expect(InboxFetch.safeParse({ limit: 500 }).success).toBe(true);
    expect(rejection(args.safeParse([{ limit: 0 }]))).toStrictEqual([
      { path: [0, "limit"], message: "Too small: expected number to be >=1" },
    ]);
    expect(rejection(args.safeParse([{ limit: 501 }]))).toStrictEqual([
      { path: [0, "limit"], message: "Too big: expected number to be <=500" },
    ]);
  });

  it.each([1.5, -1, "20", null])("rejects the limit %j", (limit) => {
    expect(rejection(InboxFetch.safeParse({ limit })).map((issue) => issue.path)).toStrictEqual([["limit"]]);
  });

  it("checks after and before as message ids", () => {
    expect(rejection(InboxFetch.safeParse({ after: "9", before: "x-1" }))).toStrictEqual([
      { path: ["after"], message: idMessage },
      { path: ["before"], message: idMessage },
    ]);
  });

  it("rejects a user or other extra keys: the inbox is always the caller's own", () => {
    expect(rejection(InboxFetch.safeParse({ user: "bob" }))).toStrictEqual([{ path: [], message: 'Unrecognized key: "user"' }]);
  });
});

describe("InboxPage", () => {
  it("accepts a page of direct messages", () => {
    const page = { messages: [direct, { ...direct, id: "1700000000000-1", clientId: "abcdefgh" }], more: false };
    expect(InboxPage.parse(page)).toStrictEqual(page);
  });

  it("requires more, checks every message and refuses extra keys", () => {
    expect(rejection(InboxPage.safeParse({ messages: [] })).map((issue) => issue.path)).toStrictEqual([["more"]]);
    expect(rejection(InboxPage.safeParse({ messages: [{ ...direct, to: "" }], more: true }))).toStrictEqual([
      { path: ["messages", 0, "to"], message: "user name must not be empty" },
    ]);
    expect(rejection(InboxPage.safeParse({ messages: [], more: false, room: "lobby" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "room"' },
    ]);
  });
});
