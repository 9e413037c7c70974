import type { ChatMessage } from "@chat/protocol";
import type { EngineClient } from "@chat/test-kit/engine-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { dialects, giveUpAfterMs, type Stamp } from "../src/generator/dialects.ts";

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

describe("the project's dialect sends a line again after a failure that may pass", () => {
  /** A client that answers each `message:send` with the next of `answers`, and records the frames. */
  function answering(answers: unknown[]) {
    const frames: string[] = [];
    const client = {
      open: true,
      emitWithAck(args: string, onAck: (payload: string) => void) {
        frames.push(args);
        const answer = answers.shift();
        setTimeout(() => onAck(JSON.stringify([answer])), 10);
      },
    };
    return { client: client as unknown as EngineClient, frames };
  }
  const spec = { name: "k-sender", role: "sender", room: "lobby", port: 1 } as const;
  const stamp = { t: 1, s: "k-sender", n: 0 };
  const unavailable = { ok: false, error: { code: "unavailable", message: "the message store is unreachable" } };

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("with the same client id until it is stored, and counts it sent", async () => {
    const { client, frames } = answering([unavailable, unavailable, { ok: true, data: { id: "1-0" } }]);
    const outcomes: boolean[] = [];
    dialects.project.send(client, spec, stamp, "c-1", (sent) => outcomes.push(sent));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(outcomes).toEqual([true]);
    expect(frames).toHaveLength(3);
    expect(new Set(frames).size).toBe(1);
    expect(frames[0]).toContain('"clientId":"c-1"');
  });

  it("not after a refusal, nor past its deadline", async () => {
    const refused = answering([{ ok: false, error: { code: "forbidden", message: "join the room first" } }]);
    const outcomes: boolean[] = [];
    dialects.project.send(refused.client, spec, stamp, "c-2", (sent) => outcomes.push(sent));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(outcomes).toEqual([false]);
    expect(refused.frames).toHaveLength(1);

    const down = answering(Array.from({ length: 100 }, () => unavailable));
    dialects.project.send(down.client, spec, stamp, "c-3", (sent) => outcomes.push(sent));
    await vi.advanceTimersByTimeAsync(giveUpAfterMs + 10_000);
    expect(outcomes).toEqual([false, false]);
    expect(down.frames.length).toBeGreaterThan(5);
    expect(down.frames.length).toBeLessThan(20);
  });
});
