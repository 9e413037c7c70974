import { describe, expect, it } from "vitest";
import { clientEvents, HistoryFetch, limits } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("history:fetch payload (HistoryFetch)", () => {
  const args = clientEvents["history:fetch"].args;

  it("accepts a room alone: the latest page", () => {
    expect(HistoryFetch.parse({ room: "lobby" })).toStrictEqual({ room: "lobby" });
  });

  it("accepts before and limit", () => {
    const fetch = { room: "lobby", before: "1700000000000-4", limit: 50 };
    expect(args.parse([fetch])).toStrictEqual([fetch]);
  });

  it("accepts a limit of 1 and of 100, rejects 0 and 101", () => {
    expect(limits.pageMaxLength).toBe(100);
    expect(HistoryFetch.safeParse({ room: "lobby", limit: 1 }).success).toBe(true);
    expect(HistoryFetch.safeParse({ room: "lobby", limit: 100 }).success).toBe(true);
    expect(rejection(args.safeParse([{ room: "lobby", limit: 0 }]))).toStrictEqual([
      { path: [0, "limit"], message: "Too small: expected number to be >=1" },
    ]);
    expect(rejection(args.safeParse([{ room: "lobby", limit: 101 }]))).toStrictEqual([
      { path: [0, "limit"], message: "Too big: expected number to be <=100" },
    ]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "10", null])("rejects the limit %j", (limit) => {
    expect(rejection(HistoryFetch.safeParse({ room: "lobby", limit })).map((issue) => issue.path)).toStrictEqual([["limit"]]);
  });

  it.each(["", "latest", "1700000000000", "1-0-0", "-5"])("rejects before %j", (before) => {
    expect(rejection(HistoryFetch.safeParse({ room: "lobby", before }))).toStrictEqual([
      { path: ["before"], message: "a message id looks like 1700000000000-0" },
    ]);
  });

  it("requires a valid room", () => {
    expect(rejection(HistoryFetch.safeParse({ limit: 5 }))).toStrictEqual([{ path: ["room"], message: "room name must be a string" }]);
    expect(rejection(HistoryFetch.safeParse({ room: "" }))).toStrictEqual([{ path: ["room"], message: "room name must not be empty" }]);
  });

  it("rejects after (history pages backwards only) and other keys", () => {
    expect(rejection(HistoryFetch.safeParse({ room: "lobby", after: "1-0" }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "after"' },
    ]);
  });
});
