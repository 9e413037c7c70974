import { describe, expect, it } from "vitest";
import * as protocol from "../src/index.ts";
import {
  ackSchemaOf,
  ChatMessage,
  clientEvents,
  DirectMessage,
  DirectSend,
  Empty,
  fail,
  HistoryFetch,
  InboxFetch,
  InboxPage,
  isClientEventName,
  MessageBatch,
  MessageSend,
  MessageSent,
  ok,
  PresenceChange,
  PresenceList,
  RoomCreate,
  RoomInvite,
  RoomJoin,
  RoomList,
  RoomPage,
  RoomRef,
  serverEvents,
  SessionClosing,
  SyncRequired,
  TypingNotice,
} from "../src/index.ts";
import { rejection } from "./support.ts";

const send = { room: "lobby", text: "Hello" };
const message = { id: "1700000000000-0", room: "lobby", from: "alice", text: "Hello", sentAt: 1700000000000 };

describe("registries", () => {
  it("list exactly the protocol's events", () => {
    expect(Object.keys(clientEvents)).toStrictEqual([
      "message:send",
      "room:join",
      "room:leave",
      "room:create",
      "room:invite",
      "room:list",
      "presence:who",
      "typing:start",
      "history:fetch",
      "dm:send",
      "dm:fetch",
    ]);
    expect(Object.keys(serverEvents)).toStrictEqual([
      "message:new",
      "message:batch",
      "dm:new",
      "presence:joined",
      "presence:left",
      "typing:started",
      "sync:required",
      "session:closing",
    ]);
  });

  it.each([
    { event: "message:send", payloads: [MessageSend], result: MessageSent },
    { event: "room:join", payloads: [RoomJoin], result: RoomPage },
    { event: "room:leave", payloads: [RoomRef], result: RoomRef },
    { event: "room:create", payloads: [RoomCreate], result: RoomPage },
    { event: "room:invite", payloads: [RoomInvite], result: RoomInvite },
    { event: "room:list", payloads: [], result: RoomList },
    { event: "presence:who", payloads: [RoomRef], result: PresenceList },
    { event: "typing:start", payloads: [RoomRef], result: Empty },
    { event: "history:fetch", payloads: [HistoryFetch], result: RoomPage },
    { event: "dm:send", payloads: [DirectSend], result: MessageSent },
    { event: "dm:fetch", payloads: [InboxFetch], result: InboxPage },
  ] as const)("build $event from its payload and result schemas", ({ event, payloads, result }) => {
    expect(clientEvents[event].args.def.items).toStrictEqual(payloads);
    expect(clientEvents[event].args.def.rest).toBeNull();
    expect(clientEvents[event].result).toBe(result);
  });

  it.each([
    { event: "message:new", payloads: [ChatMessage] },
    { event: "message:batch", payloads: [MessageBatch] },
    { event: "dm:new", payloads: [DirectMessage] },
    { event: "presence:joined", payloads: [PresenceChange] },
    { event: "presence:left", payloads: [PresenceChange] },
    { event: "typing:started", payloads: [TypingNotice] },
    { event: "sync:required", payloads: [SyncRequired] },
    { event: "session:closing", payloads: [SessionClosing] },
  ] as const)("build $event from its payload schema", ({ event, payloads }) => {
    expect(serverEvents[event].def.items).toStrictEqual(payloads);
    expect(serverEvents[event].def.rest).toBeNull();
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
  it.each(Object.keys(clientEvents))("accepts %j", (name) => {
    expect(isClientEventName(name)).toBe(true);
  });

  it.each([
    "message:new",
    "message:batch",
    "dm:new",
    "sync:required",
    "room:delete",
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

  it("checks each event's own success data", () => {
    expect(ackSchemaOf("typing:start").parse(ok({}))).toStrictEqual({ ok: true, data: {} });
    expect(rejection(ackSchemaOf("typing:start").safeParse(ok({ id: "1-0" })))).toStrictEqual([
      { path: ["data"], message: 'Unrecognized key: "id"' },
    ]);
    expect(rejection(ackSchemaOf("room:list").safeParse(ok({ rooms: ["lobby", "no spaces"] }))).map((issue) => issue.path)).toStrictEqual([
      ["data", "rooms", 1],
    ]);
    expect(rejection(ackSchemaOf("dm:fetch").safeParse(ok({ messages: [message], more: false }))).map((issue) => issue.path)).toStrictEqual([
      ["data", "messages", 0, "to"],
      ["data", "messages", 0],
    ]);
  });
});

describe("the package's entry point", () => {
  it("exports exactly the documented values", () => {
    expect(Object.keys(protocol).sort()).toStrictEqual([
      "AckFailure",
      "ChatMessage",
      "ClientId",
      "ConnectRefusal",
      "DirectMessage",
      "DirectSend",
      "Empty",
      "ErrorBody",
      "ErrorCode",
      "HandshakeAuth",
      "HistoryFetch",
      "InboxFetch",
      "InboxPage",
      "MessageBatch",
      "MessageId",
      "MessageSend",
      "MessageSent",
      "MessageText",
      "PresenceChange",
      "PresenceList",
      "RoomCreate",
      "RoomInvite",
      "RoomJoin",
      "RoomList",
      "RoomName",
      "RoomPage",
      "RoomRef",
      "SessionClosing",
      "SyncRequired",
      "TypingNotice",
      "UserName",
      "ValidationIssue",
      "ackOf",
      "ackSchemaOf",
      "clientEvents",
      "compareMessageIds",
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
