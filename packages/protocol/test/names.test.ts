import { describe, expect, it } from "vitest";
import { limits, namePattern, RoomName, UserName } from "../src/index.ts";
import { rejection } from "./support.ts";

describe.each([
  { schema: UserName, what: "user name" },
  { schema: RoomName, what: "room name" },
])("$what", ({ schema, what }) => {
  const patternMessage = `${what} may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit`;

  it.each(["a", "Z", "7", "alice", "Bob_2", "r2-d2", "v1.2", "9lives", "a_", "a-", "a.", "a..b", "x".repeat(32)])(
    "accepts %j",
    (name) => {
      expect(schema.safeParse(name)).toStrictEqual({ success: true, data: name });
      expect(namePattern.test(name)).toBe(true);
    },
  );

  it("rejects the empty string as empty", () => {
    expect(rejection(schema.safeParse(""))).toContainEqual({ path: [], message: `${what} must not be empty` });
  });

  it(`accepts ${limits.nameMaxLength} characters and rejects ${limits.nameMaxLength + 1}`, () => {
    expect(schema.safeParse("n".repeat(32)).success).toBe(true);
    expect(rejection(schema.safeParse("n".repeat(33)))).toStrictEqual([
      { path: [], message: `${what} must be at most 32 characters` },
    ]);
  });

  it.each(["_a", "-a", ".a", "..", ".", "_"])("rejects %j (leading punctuation)", (name) => {
    expect(rejection(schema.safeParse(name))).toStrictEqual([{ path: [], message: patternMessage }]);
  });

  it.each([
    "a b", " a", "a ", "a/b", "a:b", "a@b", "a+b", "a'b", 'a"b', "a{b}", "a*", "a\tb", "a\n", "\na",
    "é", "naïve", "名前", "a👋", "a\u0000b",
  ])("rejects %j (forbidden character)", (name) => {
    expect(rejection(schema.safeParse(name))).toStrictEqual([{ path: [], message: patternMessage }]);
    expect(namePattern.test(name)).toBe(false);
  });

  it.each([
    { value: 42 },
    { value: 0 },
    { value: true },
    { value: null },
    { value: undefined },
    { value: {} },
    { value: ["alice"] },
    { value: { toString: () => "alice" } },
    { value: new String("alice") },
  ])("rejects the non-string $value", ({ value }) => {
    expect(rejection(schema.safeParse(value))).toStrictEqual([{ path: [], message: `${what} must be a string` }]);
  });
});
