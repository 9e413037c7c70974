import { describe, expect, it } from "vitest";
import { limits, MessageBatch, serverEvents } from "../src/index.ts";
import { rejection } from "./support.ts";

const line = (seq: number, room = "lobby") => ({
  id: `1700000000000-${seq}`,
  room,
  from: "alice",
  text: `line ${seq}`,
  sentAt: 1700000000000,
});

describe("message:batch arguments", () => {
  const args = serverEvents["message:batch"];

  it("accept one list of messages of one room, oldest first", () => {
    const batch = [line(0), { ...line(1), clientId: "c0ffee-0001" }, line(2)];
    expect(args.parse([batch])).toStrictEqual([batch]);
  });

  it("accept a batch of one message and of limits.batchMaxLength (100)", () => {
    expect(limits.batchMaxLength).toBe(100);
    expect(MessageBatch.safeParse([line(0)]).success).toBe(true);
    const full = Array.from({ length: 100 }, (_, i) => line(i));
    expect(MessageBatch.parse(full)).toStrictEqual(full);
  });

  it("reject an empty batch and one over the limit", () => {
    expect(rejection(MessageBatch.safeParse([]))).toStrictEqual([{ path: [], message: "a batch holds at least one message" }]);
    expect(rejection(MessageBatch.safeParse(Array.from({ length: 101 }, (_, i) => line(i))))).toStrictEqual([
      { path: [], message: "a batch holds at most 100 messages" },
    ]);
  });

  it("reject messages of two rooms in one batch", () => {
    expect(rejection(MessageBatch.safeParse([line(0), line(1, "other")]))).toStrictEqual([
      { path: [], message: "every message of a batch is of one room" },
    ]);
  });

  it("reject messages out of id order or repeated, comparing ids as numbers", () => {
    const message = "a batch holds its messages in id order, each once";
    expect(rejection(MessageBatch.safeParse([line(1), line(0)]))).toStrictEqual([{ path: [], message }]);
    expect(rejection(MessageBatch.safeParse([line(1), line(1)]))).toStrictEqual([{ path: [], message }]);
    // As strings "9" sorts after "10"; as ids 9 comes first.
    expect(MessageBatch.safeParse([line(9), line(10)]).success).toBe(true);
  });

  it("report a bad message at its index in the batch", () => {
    const { from: _from, ...anonymous } = line(1);
    expect(rejection(args.safeParse([[line(0), anonymous]]))).toStrictEqual([
      { path: [0, 1, "from"], message: "user name must be a string" },
    ]);
  });

  it("reject a message that is not in a list, and missing or extra arguments", () => {
    expect(rejection(args.safeParse([line(0)]))).toStrictEqual([
      { path: [0], message: "Invalid input: expected array, received object" },
    ]);
    expect(rejection(args.safeParse([])).map((issue) => issue.path)).toStrictEqual([[]]);
    expect(rejection(args.safeParse([[line(0)], [line(1)]])).map((issue) => issue.path)).toStrictEqual([[]]);
  });
});
