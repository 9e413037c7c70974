// Every event's argument tuple takes exactly its payloads (the ack callback is not part of
// it): one fewer or one more argument is an error, and so is a payload not in a list.
import { describe, expect, it } from "vitest";
import { clientEvents, serverEvents } from "../src/index.ts";
import { rejection } from "./support.ts";

const message = { id: "1700000000000-0", room: "lobby", from: "alice", text: "Hi", sentAt: 1700000000000 };
const direct = { id: "1700000000000-1", from: "alice", to: "bob", text: "Hi", sentAt: 1700000000000 };

const requests = [
  { event: "message:send", payload: { room: "lobby", text: "Hi" } },
  { event: "room:join", payload: { room: "lobby", after: "1700000000000-0" } },
  { event: "room:leave", payload: { room: "lobby" } },
  { event: "room:create", payload: { room: "team", private: true } },
  { event: "room:invite", payload: { room: "team", user: "bob" } },
  { event: "presence:who", payload: { room: "lobby" } },
  { event: "typing:start", payload: { room: "lobby" } },
  { event: "history:fetch", payload: { room: "lobby", before: "1700000000000-0", limit: 50 } },
  { event: "dm:send", payload: { to: "bob", text: "Hi" } },
  { event: "dm:fetch", payload: {} },
] as const;

const pushes = [
  { event: "message:new", payload: message },
  { event: "dm:new", payload: direct },
  { event: "presence:joined", payload: { room: "lobby", user: "alice" } },
  { event: "presence:left", payload: { room: "lobby", user: "alice" } },
  { event: "typing:started", payload: { room: "lobby", user: "alice" } },
  { event: "sync:required", payload: { reason: "subscription restored" } },
] as const;

const cases = [
  ...requests.map(({ event, payload }) => ({ event, payload, args: clientEvents[event].args })),
  ...pushes.map(({ event, payload }) => ({ event, payload, args: serverEvents[event] })),
];

describe.each(cases)("$event arguments", ({ payload, args }) => {
  it("accept exactly one payload", () => {
    expect(args.parse([payload])).toStrictEqual([payload]);
  });

  it("reject no arguments", () => {
    expect(rejection(args.safeParse([]))).toStrictEqual([{ path: [], message: "Too small: expected array to have >=1 items" }]);
  });

  it("reject a second argument, even a function or undefined", () => {
    for (const extra of [payload, () => undefined, undefined]) {
      expect(rejection(args.safeParse([payload, extra]))).toStrictEqual([
        { path: [], message: "Too big: expected array to have <=1 items" },
      ]);
    }
  });

  it("reject a payload not wrapped in an argument list", () => {
    expect(rejection(args.safeParse(payload))).toStrictEqual([
      { path: [], message: "Invalid input: expected tuple, received object" },
    ]);
  });

  it("report a bad payload at index 0", () => {
    expect(rejection(args.safeParse([null]))).toStrictEqual([
      { path: [0], message: "Invalid input: expected object, received null" },
    ]);
  });
});

describe("room:list arguments", () => {
  const args = clientEvents["room:list"].args;

  it("accept no arguments at all", () => {
    expect(args.parse([])).toStrictEqual([]);
  });

  it.each([{ value: {} }, { value: "lobby" }, { value: undefined }, { value: null }])("reject the argument $value", ({ value }) => {
    expect(rejection(args.safeParse([value]))).toStrictEqual([{ path: [], message: "Too big: expected array to have <=0 items" }]);
  });

  it("reject anything that is not an empty list", () => {
    expect(rejection(args.safeParse(undefined))).toStrictEqual([
      { path: [], message: "Invalid input: expected tuple, received undefined" },
    ]);
  });
});
