import { describe, expect, it } from "vitest";
import { serverEvents, SyncRequired } from "../src/index.ts";
import { rejection } from "./support.ts";

describe("sync:required payload (SyncRequired)", () => {
  it("accepts a reason", () => {
    const notice = { reason: "subscription restored" };
    expect(serverEvents["sync:required"].parse([notice])).toStrictEqual([notice]);
  });

  it("requires a string reason and refuses extra keys", () => {
    expect(rejection(SyncRequired.safeParse({})).map((issue) => issue.path)).toStrictEqual([["reason"]]);
    expect(rejection(SyncRequired.safeParse({ reason: 1 })).map((issue) => issue.path)).toStrictEqual([["reason"]]);
    expect(rejection(SyncRequired.safeParse({ reason: "restored", rooms: ["lobby"] }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "rooms"' },
    ]);
  });
});
