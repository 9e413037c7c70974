import { describe, expect, it } from "vitest";
import { ConnectRefusal, HandshakeAuth } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("HandshakeAuth", () => {
  it("accepts a valid name", () => {
    expect(HandshakeAuth.parse({ name: "alice" })).toStrictEqual({ name: "alice" });
  });

  it("accepts a token, alone or with a name", () => {
    expect(HandshakeAuth.parse({ token: "t.s" })).toStrictEqual({ token: "t.s" });
    expect(HandshakeAuth.parse({ name: "alice", token: "t.s" })).toStrictEqual({ name: "alice", token: "t.s" });
  });

  it("requires a name or a token", () => {
    expect(rejection(HandshakeAuth.safeParse({}))).toStrictEqual([{ path: [], message: "a user name or a token is required" }]);
  });

  it.each([
    { auth: { token: 7 }, message: "token must be a string" },
    { auth: { token: "" }, message: "token must not be empty" },
    { auth: { name: "alice", token: "" }, message: "token must not be empty" },
  ])("rejects $auth at token", ({ auth, message }) => {
    expect(rejection(HandshakeAuth.safeParse(auth))).toContainEqual({ path: ["token"], message });
  });

  it.each([
    { auth: { name: 42 }, message: "user name must be a string" },
    { auth: { name: "" }, message: "user name must not be empty" },
    { auth: { name: "a".repeat(33) }, message: "user name must be at most 32 characters" },
    {
      auth: { name: "bad name" },
      message: 'user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit',
    },
  ])("rejects $auth at name", ({ auth, message }) => {
    expect(rejection(HandshakeAuth.safeParse(auth))).toContainEqual({ path: ["name"], message });
  });

  it("rejects extra keys, such as a room or a role", () => {
    expect(rejection(HandshakeAuth.safeParse({ name: "alice", token: "t", room: "x", role: "admin" }))).toStrictEqual([
      { path: [], message: 'Unrecognized keys: "room", "role"' },
    ]);
  });

  it.each([{ value: undefined }, { value: null }, { value: "alice" }])("rejects the non-object $value", ({ value }) => {
    const issues = rejection(HandshakeAuth.safeParse(value));
    expect(issues.map((issue) => issue.path)).toStrictEqual([[]]);
  });
});

describe("ConnectRefusal", () => {
  it("accepts an unauthorized refusal", () => {
    const refusal = { code: "unauthorized", message: "a name is required" };
    expect(ConnectRefusal.parse(refusal)).toStrictEqual(refusal);
  });

  it("rejects any other code and extra keys", () => {
    expect(rejection(ConnectRefusal.safeParse({ code: "forbidden", message: "m" })).map((issue) => issue.path)).toStrictEqual([
      ["code"],
    ]);
    expect(rejection(ConnectRefusal.safeParse({ code: "unauthorized", message: "m", retry: true }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "retry"' },
    ]);
  });
});
