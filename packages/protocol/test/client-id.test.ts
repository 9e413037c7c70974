import { describe, expect, it } from "vitest";
import { ChatMessage, ClientId, DirectMessage, DirectSend, limits, MessageSend } from "../src/index.ts";
import { rejection } from "./support.ts";

const charset = 'clientId may hold only letters, digits, "_" and "-"';
const tooShort = "clientId must be at least 8 characters";
const tooLong = "clientId must be at most 64 characters";

describe("ClientId", () => {
  it.each(["abcdefgh", "ABCDEFGH", "01234567", "a-b_c-d_", "--------", "________", "Q2xpZW50SWQtMTIzNDU2Nzg5MA", "x".repeat(64)])(
    "accepts %j",
    (id) => {
      expect(ClientId.safeParse(id)).toStrictEqual({ success: true, data: id });
    },
  );

  it("accepts 8 and 64 characters, rejects 7 and 65", () => {
    expect(limits.clientIdMaxLength).toBe(64);
    expect(ClientId.safeParse("a".repeat(8)).success).toBe(true);
    expect(ClientId.safeParse("a".repeat(64)).success).toBe(true);
    expect(rejection(ClientId.safeParse("a".repeat(7)))).toStrictEqual([{ path: [], message: tooShort }]);
    expect(rejection(ClientId.safeParse("a".repeat(65)))).toStrictEqual([{ path: [], message: tooLong }]);
  });

  it.each(["abcdefg.", "abcd efgh", "abcdefg=", "abcd/efg", "abcd+efg", "abcdefgé", "abcdefg👋", "abcdefgh\n", "\tabcdefgh", "abc:defgh"])(
    "rejects %j (forbidden character)",
    (id) => {
      expect(rejection(ClientId.safeParse(id))).toStrictEqual([{ path: [], message: charset }]);
    },
  );

  it("reports both the charset and the length of a short bad id, and both for the empty string", () => {
    expect(rejection(ClientId.safeParse("a.b"))).toStrictEqual([
      { path: [], message: charset },
      { path: [], message: tooShort },
    ]);
    expect(rejection(ClientId.safeParse(""))).toStrictEqual([
      { path: [], message: charset },
      { path: [], message: tooShort },
    ]);
  });

  it.each([{ value: 12345678 }, { value: null }, { value: undefined }, { value: { length: 8 } }])(
    "rejects the non-string $value",
    ({ value }) => {
      expect(rejection(ClientId.safeParse(value))).toStrictEqual([{ path: [], message: "clientId must be a string" }]);
    },
  );

  it("rejects an array first of all as not a string", () => {
    expect(rejection(ClientId.safeParse(["abcdefgh"]))[0]).toStrictEqual({ path: [], message: "clientId must be a string" });
  });
});

describe("clientId in payloads", () => {
  const message = { id: "1-0", room: "lobby", from: "alice", text: "Hi", sentAt: 1 };
  const direct = { id: "1-0", from: "alice", to: "bob", text: "Hi", sentAt: 1 };

  it.each([
    { name: "MessageSend", schema: MessageSend, value: { room: "lobby", text: "Hi" } },
    { name: "DirectSend", schema: DirectSend, value: { to: "bob", text: "Hi" } },
    { name: "ChatMessage", schema: ChatMessage, value: message },
    { name: "DirectMessage", schema: DirectMessage, value: direct },
  ])("$name takes an optional clientId and checks it", ({ schema, value }) => {
    expect(schema.parse(value)).toStrictEqual(value);
    expect(schema.parse({ ...value, clientId: "abcdefgh" })).toStrictEqual({ ...value, clientId: "abcdefgh" });
    expect(rejection(schema.safeParse({ ...value, clientId: "abc" }))).toStrictEqual([{ path: ["clientId"], message: tooShort }]);
    expect(rejection(schema.safeParse({ ...value, clientId: null }))).toStrictEqual([
      { path: ["clientId"], message: "clientId must be a string" },
    ]);
  });
});
