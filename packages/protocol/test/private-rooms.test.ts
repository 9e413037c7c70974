import { describe, expect, it } from "vitest";
import { ackSchemaOf, clientEvents, fail, ok, RoomCreate, RoomInvite } from "../src/index.ts";
import { rejection } from "./support.ts";

const patternMessage = 'room name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit';

describe("room:create payload (RoomCreate)", () => {
  const args = clientEvents["room:create"].args;

  it.each([{ room: "team" }, { room: "team", private: true }, { room: "team", private: false }])("accepts %j", (payload) => {
    expect(args.parse([payload])).toStrictEqual([payload]);
  });

  it("checks the room name and that private is a boolean", () => {
    expect(rejection(args.safeParse([{ room: "a b", private: true }]))).toStrictEqual([{ path: [0, "room"], message: patternMessage }]);
    expect(rejection(RoomCreate.safeParse({ room: "team", private: "yes" })).map((issue) => issue.path)).toStrictEqual([["private"]]);
  });

  it("refuses extra keys, such as a list of members", () => {
    expect(rejection(RoomCreate.safeParse({ room: "team", members: ["bob"] }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "members"' },
    ]);
  });

  it("is answered like room:join, or with room_exists or room_quota_exceeded", () => {
    const schema = ackSchemaOf("room:create");
    const page = { room: "team", messages: [], more: false };
    expect(schema.parse(ok(page))).toStrictEqual(ok(page));
    for (const code of ["room_exists", "room_quota_exceeded"] as const) {
      expect(schema.parse(fail(code, "no"))).toStrictEqual(fail(code, "no"));
    }
  });
});

describe("room:invite payload (RoomInvite)", () => {
  const args = clientEvents["room:invite"].args;

  it("accepts a room and a user", () => {
    expect(args.parse([{ room: "team", user: "bob" }])).toStrictEqual([{ room: "team", user: "bob" }]);
  });

  it("requires both, each a valid name", () => {
    expect(rejection(RoomInvite.safeParse({ room: "team" })).map((issue) => issue.path)).toStrictEqual([["user"]]);
    expect(rejection(RoomInvite.safeParse({ user: "bob" })).map((issue) => issue.path)).toStrictEqual([["room"]]);
    expect(rejection(RoomInvite.safeParse({ room: "team", user: "" }))).toStrictEqual([
      { path: ["user"], message: "user name must not be empty" },
    ]);
  });

  it("answers with the invitation, or an error such as not_invited", () => {
    const schema = ackSchemaOf("room:invite");
    expect(schema.parse(ok({ room: "team", user: "bob" }))).toStrictEqual(ok({ room: "team", user: "bob" }));
    expect(schema.parse(fail("not_invited", "no"))).toStrictEqual(fail("not_invited", "no"));
    expect(schema.safeParse(ok({ room: "team" })).success).toBe(false);
  });
});
