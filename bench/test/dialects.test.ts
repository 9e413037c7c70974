import type { ChatMessage } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { dialects, type Stamp } from "../src/generator/dialects.ts";

const line = (stamp: Stamp | string, n: number): ChatMessage => ({
  id: `1700000000000-${n}`,
  room: "lobby",
  from: "k-sender",
  text: typeof stamp === "string" ? stamp : JSON.stringify(stamp),
  sentAt: 1_700_000_000_000,
});

/** An event frame as Socket.IO writes it: `42` and the JSON array of the event's arguments. */
const frame = (event: string, payload: unknown) => `42${JSON.stringify([event, payload])}`;

describe("the project's dialect reads the stamps of the lines it receives", () => {
  const { stampsOf } = dialects.project;
  const first = { t: 12_345.678, s: "k-sender", n: 0 };
  const second = { t: 12_346.5, s: "k-7", n: 41 };

  it("from one line", () => {
    expect(stampsOf(frame("message:new", line(first, 1)))).toEqual([first]);
  });

  it("from a batch, in order", () => {
    expect(stampsOf(frame("message:batch", [line(first, 1), line(second, 2)]))).toEqual([first, second]);
  });

  it("not from lines that carry no stamp, nor from other events", () => {
    expect(stampsOf(frame("message:new", line("hello there", 3)))).toEqual([]);
    expect(stampsOf(frame("presence:joined", { room: "lobby", user: "k-1" }))).toEqual([]);
  });
});
