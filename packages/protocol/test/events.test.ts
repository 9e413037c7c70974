import { describe, expect, it } from "vitest";
import * as protocol from "../src/index.ts";
import { ackSchemaOf, clientEvents, fail, isClientEventName, MessageSent, ok, serverEvents } from "../src/index.ts";
import { rejection } from "./support.ts";

const send = { room: "lobby", text: "Hello" };
const message = { id: "1700000000000-0", room: "lobby", from: "alice", text: "Hello", sentAt: 1700000000000 };

describe("registries", () => {
  it("list exactly the protocol's events", () => {
    expect(Object.keys(clientEvents)).toStrictEqual(["message:send"]);
    expect(Object.keys(serverEvents)).toStrictEqual(["message:new"]);
  });

  it("answer message:send with MessageSent", () => {
    expect(clientEvents["message:send"].result).toBe(MessageSent);
  });
});

describe("message:send arguments", () => {
  const args = clientEvents["message:send"].args;

  it("accept one payload", () => {
    expect(args.parse([send])).toStrictEqual([send]);
  });

  it("reject a payload that carries its sender", () => {
    expect(rejection(args.safeParse([{ ...send, from: "mallory" }]))).toStrictEqual([
      { path: [0], message: 'Unrecognized key: "from"' },
    ]);
  });

  it("reject missing and extra arguments", () => {
    expect(rejection(args.safeParse([]))).toStrictEqual([{ path: [], message: "Too small: expected array to have >=1 items" }]);
    expect(rejection(args.safeParse([send, "again"]))).toStrictEqual([
      { path: [], message: "Too big: expected array to have <=1 items" },
    ]);
    expect(rejection(args.safeParse([send, () => undefined])).map((issue) => issue.path)).toStrictEqual([[]]);
  });

  it("reject a payload not wrapped in an argument list", () => {
    expect(rejection(args.safeParse(send))).toStrictEqual([{ path: [], message: "Invalid input: expected tuple, received object" }]);
  });

  it("report bad fields under the argument's index", () => {
    expect(rejection(args.safeParse([{ room: "lobby", text: "" }]))).toStrictEqual([
      { path: [0, "text"], message: "text must not be empty" },
    ]);
  });
});

describe("message:new arguments", () => {
  const args = serverEvents["message:new"];

  it("accept one chat message", () => {
    expect(args.parse([message])).toStrictEqual([message]);
  });

  it("reject missing and extra arguments and a message without a sender", () => {
    expect(rejection(args.safeParse([])).map((issue) => issue.path)).toStrictEqual([[]]);
    expect(rejection(args.safeParse([message, message])).map((issue) => issue.path)).toStrictEqual([[]]);
    const { from: _from, ...anonymous } = message;
    expect(rejection(args.safeParse([anonymous]))).toStrictEqual([{ path: [0, "from"], message: "user name must be a string" }]);
  });
});

describe("isClientEventName", () => {
  it("accepts the client events", () => {
    expect(isClientEventName("message:send")).toBe(true);
  });

  it.each([
    "message:new",
    "",
    "MESSAGE:SEND",
    "message:send ",
    "message",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "prototype",
  ])("rejects %j", (name) => {
    expect(isClientEventName(name)).toBe(false);
  });

  it.each([
    { value: undefined },
    { value: null },
    { value: 0 },
    { value: {} },
    { value: ["message:send"] },
    { value: Symbol("message:send") },
    { value: new String("message:send") },
    { value: { toString: () => "message:send" } },
  ])("rejects the non-string $value", ({ value }) => {
    expect(isClientEventName(value)).toBe(false);
  });
});

describe("ackSchemaOf", () => {
  const schema = ackSchemaOf("message:send");

  it("accepts the event's success and any failure", () => {
    expect(schema.parse(ok({ id: "1-0", sentAt: 1 }))).toStrictEqual({ ok: true, data: { id: "1-0", sentAt: 1 } });
    expect(schema.parse(fail("rate_limited", "slow down"))).toStrictEqual(fail("rate_limited", "slow down"));
  });

  it("rejects another event's data as the success", () => {
    expect(rejection(schema.safeParse(ok(message)))).toStrictEqual([
      { path: ["data"], message: 'Unrecognized keys: "room", "from", "text"' },
    ]);
  });
});

describe("the package's entry point", () => {
  it("exports exactly the documented values", () => {
    expect(Object.keys(protocol).sort()).toStrictEqual([
      "AckFailure",
      "ChatMessage",
      "ConnectRefusal",
      "ErrorBody",
      "ErrorCode",
      "HandshakeAuth",
      "MessageId",
      "MessageSend",
      "MessageSent",
      "MessageText",
      "RoomName",
      "UserName",
      "ValidationIssue",
      "ackOf",
      "ackSchemaOf",
      "clientEvents",
      "defaultRoom",
      "fail",
      "isClientEventName",
      "issuesOf",
      "limits",
      "namePattern",
      "ok",
      "serverEvents",
    ]);
  });
});
