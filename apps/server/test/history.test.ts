import { limits, type ChatMessage } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestClient } from "@chat/test-kit";
import { ok, refused } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";
import { emitRaw, parseFailure } from "./support/wire.ts";

/**
 * history:fetch across workers and instances. A (instance one, worker 1), B (one, worker 2)
 * and C (instance two) are members of the room and write its 25 messages in turn; N (instance
 * two) is not a member.
 */
describe("history across two workers and two instances", () => {
  let topology: Topology;
  let a: TestClient;
  let b: TestClient;
  let c: TestClient;
  let n: TestClient;
  const room = unique("history");
  const sent: ChatMessage[] = [];

  beforeAll(async () => {
    topology = await startTopology();
    a = await topology.connect("A", "one:1");
    b = await topology.connect("B", "one:2");
    c = await topology.connect("C", "two:1");
    n = await topology.connect("N", "two:1");
    const writers = [
      [a, "A"],
      [b, "B"],
      [c, "C"],
    ] as const;
    for (const [client] of writers) await ok(client, "room:join", { room });
    for (let i = 0; i < 25; i++) {
      const [client, name] = writers[i % writers.length] ?? writers[0];
      const text = `line ${i + 1}`;
      const { id, sentAt } = await ok(client, "message:send", { room, text });
      sent.push({ id, room, from: name, text, sentAt });
    }
  }, 180_000);
  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  const idOf = (i: number): string => {
    const message = sent[i];
    if (message === undefined) throw new Error(`no message ${i}`);
    return message.id;
  };

  it.each([
    { reader: "C (other instance)", pick: () => c },
    { reader: "B (other worker)", pick: () => b },
  ])("pages back 10 at a time to the start, read by $reader: the last 10, then each 10 before, `more` false only at the start", async ({ pick }) => {
    const reader = pick();
    const first = await ok(reader, "history:fetch", { room, limit: 10 });
    expect(first).toEqual({ room, messages: sent.slice(15), more: true });
    const second = await ok(reader, "history:fetch", { room, limit: 10, before: first.messages[0]?.id ?? "" });
    expect(second).toEqual({ room, messages: sent.slice(5, 15), more: true });
    const third = await ok(reader, "history:fetch", { room, limit: 10, before: second.messages[0]?.id ?? "" });
    expect(third).toEqual({ room, messages: sent.slice(0, 5), more: false });
    expect(await ok(reader, "history:fetch", { room, limit: 10, before: idOf(0) })).toEqual({ room, messages: [], more: false });
  });

  it("`more` is false when exactly `limit` messages are left, and the page stops right before the cursor", async () => {
    expect(await ok(a, "history:fetch", { room, limit: 10, before: idOf(10) })).toEqual({ room, messages: sent.slice(0, 10), more: false });
    expect(await ok(a, "history:fetch", { room, limit: 9, before: idOf(10) })).toEqual({ room, messages: sent.slice(1, 10), more: true });
    expect(await ok(c, "history:fetch", { room, limit: 1, before: idOf(24) })).toEqual({ room, messages: [sent[23]], more: true });
    expect(await ok(c, "history:fetch", { room, limit: limits.pageMaxLength })).toEqual({ room, messages: sent, more: false });
  });

  it(`without a limit a page holds limits.pageDefaultLength (${limits.pageDefaultLength}) messages`, async () => {
    expect(await ok(b, "history:fetch", { room })).toEqual({ room, messages: sent.slice(25 - limits.pageDefaultLength), more: true });
  });

  it("a non-member gets forbidden, before joining and after leaving", async () => {
    const forbidden = { code: "forbidden", message: `join room ${room} to read its history` };
    expect(await refused(n, "history:fetch", { room })).toEqual(forbidden);
    expect(await refused(n, "history:fetch", { room, limit: 10, before: idOf(20) })).toEqual(forbidden);
    await ok(n, "room:join", { room });
    expect(await ok(n, "history:fetch", { room, limit: 2 })).toEqual({ room, messages: sent.slice(23), more: true });
    await ok(n, "room:leave", { room });
    expect(await refused(n, "history:fetch", { room })).toEqual(forbidden);
  });

  it.each([
    { what: "a cursor that is not a message id (before: 'abc')", payload: { before: "abc" }, path: [0, "before"], message: "a message id looks like 1700000000000-0" },
    { what: "a cursor with a trailing part", payload: { before: "1-2-3" }, path: [0, "before"], message: "a message id looks like 1700000000000-0" },
    { what: "limit 0", payload: { limit: 0 }, path: [0, "limit"], message: undefined },
    { what: `limit ${limits.pageMaxLength + 1}`, payload: { limit: limits.pageMaxLength + 1 }, path: [0, "limit"], message: undefined },
    { what: "a fractional limit", payload: { limit: 1.5 }, path: [0, "limit"], message: undefined },
    { what: "a limit that is a string", payload: { limit: "10" }, path: [0, "limit"], message: undefined },
  ])("$what: invalid_payload naming the path", async ({ payload, path, message }) => {
    const failure = parseFailure(await emitRaw(a, "history:fetch", [{ room, ...payload }]));
    expect(failure.error.code).toBe("invalid_payload");
    expect(failure.error.message).toBe("invalid arguments for history:fetch");
    const issues = failure.error.issues ?? [];
    expect(issues.map((issue) => issue.path)).toEqual([path]);
    if (message !== undefined) expect(issues[0]?.message).toBe(message);
  });
});
