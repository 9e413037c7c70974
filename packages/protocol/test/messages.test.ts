import { describe, expect, it } from "vitest";
import { ChatMessage, MessageId, MessageSend, MessageSent, MessageText } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("MessageText", () => {
  it.each(["x", "Hello, world!", "line one\nline two", "héllo 👋", "t".repeat(2000)])("accepts %j", (text) => {
    expect(MessageText.safeParse(text)).toStrictEqual({ success: true, data: text });
  });

  it("rejects the empty string", () => {
    expect(rejection(MessageText.safeParse(""))).toStrictEqual([{ path: [], message: "text must not be empty" }]);
  });

  it("rejects one character over the limit", () => {
    expect(rejection(MessageText.safeParse("t".repeat(2001)))).toStrictEqual([
      { path: [], message: "text must be at most 2000 characters" },
    ]);
  });

  it("counts length in Unicode code points: an emoji is one, a combining accent is one more", () => {
    expect(MessageText.safeParse("👋".repeat(2000)).success).toBe(true);
    expect(rejection(MessageText.safeParse("👋".repeat(2001)))).toStrictEqual([
      { path: [], message: "text must be at most 2000 characters" },
    ]);
    expect(MessageText.safeParse("e\u0301".repeat(1000)).success).toBe(true);
    expect(rejection(MessageText.safeParse(`${"e\u0301".repeat(1000)}x`))).toStrictEqual([
      { path: [], message: "text must be at most 2000 characters" },
    ]);
  });

  it.each([{ value: 5 }, { value: null }, { value: undefined }, { value: ["hi"] }, { value: { text: "hi" } }])(
    "rejects the non-string $value",
    ({ value }) => {
      expect(rejection(MessageText.safeParse(value))).toStrictEqual([{ path: [], message: "text must be a string" }]);
    },
  );
});

describe("MessageId", () => {
  it.each(["1700000000000-0", "0-0", "1-42", "1700000000000-12345"])("accepts %j", (id) => {
    expect(MessageId.safeParse(id)).toStrictEqual({ success: true, data: id });
  });

  it.each(["", "1700000000000", "-0", "1-", "a-0", "0x1-0", "1-0-0", "1.5-0", "1 -0", " 1-0", "1-0\n", "١٧-0", "1_0"])(
    "rejects %j",
    (id) => {
      expect(rejection(MessageId.safeParse(id))).toStrictEqual([
        { path: [], message: "a message id looks like 1700000000000-0" },
      ]);
    },
  );

  it("rejects a number", () => {
    expect(rejection(MessageId.safeParse(1700000000000))).toStrictEqual([
      { path: [], message: "Invalid input: expected string, received number" },
    ]);
  });
});

describe("MessageSend", () => {
  it("accepts a room and a text", () => {
    expect(MessageSend.parse({ room: "lobby", text: "Hello" })).toStrictEqual({ room: "lobby", text: "Hello" });
  });

  it("rejects a payload that tries to carry its sender", () => {
    expect(rejection(MessageSend.safeParse({ room: "lobby", text: "Hello", from: "mallory" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "from"' },
    ]);
  });

  it("rejects server-assigned fields", () => {
    expect(
      rejection(MessageSend.safeParse({ room: "lobby", text: "Hello", id: "1-0", sentAt: 1 })),
    ).toStrictEqual([{ path: [], message: 'Unrecognized keys: "id", "sentAt"' }]);
  });

  it("names each missing or bad field", () => {
    expect(rejection(MessageSend.safeParse({}))).toStrictEqual([
      { path: ["room"], message: "room name must be a string" },
      { path: ["text"], message: "text must be a string" },
    ]);
    expect(rejection(MessageSend.safeParse({ room: "no spaces", text: "" }))).toStrictEqual([
      { path: ["room"], message: 'room name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit' },
      { path: ["text"], message: "text must not be empty" },
    ]);
  });

  it.each([{ value: "Hello" }, { value: null }, { value: ["lobby", "Hello"] }])("rejects the non-object $value", ({ value }) => {
    const issues = rejection(MessageSend.safeParse(value));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toStrictEqual([]);
    expect(issues[0]?.message).toMatch(/^Invalid input: expected object, received /);
  });
});

describe("MessageSent", () => {
  it.each([{ id: "1700000000000-0", sentAt: 1700000000000 }, { id: "0-0", sentAt: 0 }])("accepts %j", (sent) => {
    expect(MessageSent.parse(sent)).toStrictEqual(sent);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "1700000000000", null])("rejects sentAt %j", (sentAt) => {
    const issues = rejection(MessageSent.safeParse({ id: "1-0", sentAt }));
    expect(issues.map((issue) => issue.path)).toStrictEqual([["sentAt"]]);
  });

  it("rejects a bad id and extra keys", () => {
    expect(rejection(MessageSent.safeParse({ id: "one", sentAt: 1 }))).toStrictEqual([
      { path: ["id"], message: "a message id looks like 1700000000000-0" },
    ]);
    expect(rejection(MessageSent.safeParse({ id: "1-0", sentAt: 1, room: "lobby" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "room"' },
    ]);
  });
});

describe("ChatMessage", () => {
  const message = { id: "1700000000000-3", room: "lobby", from: "alice", text: "Hi", sentAt: 1700000000000 };

  it("accepts a complete message", () => {
    expect(ChatMessage.parse(message)).toStrictEqual(message);
  });

  it.each(["id", "room", "from", "text", "sentAt"] as const)("rejects a message without %s", (key) => {
    const { [key]: _dropped, ...rest } = message;
    const issues = rejection(ChatMessage.safeParse(rest));
    expect(issues.map((issue) => issue.path)).toStrictEqual([[key]]);
  });

  it("checks the sender like a user name", () => {
    expect(rejection(ChatMessage.safeParse({ ...message, from: "-mallory" }))).toStrictEqual([
      { path: ["from"], message: 'user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit' },
    ]);
  });

  it("rejects extra keys", () => {
    expect(rejection(ChatMessage.safeParse({ ...message, admin: true }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "admin"' },
    ]);
  });
});
