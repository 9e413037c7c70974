import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type RunningServer, startServer, type TestClient, uniquePrefix } from "@chat/test-kit";
import { emitRaw, inbox, parseSendAck, sendLine, type Inbox } from "./support/wire.ts";

/**
 * Two separate server processes (two "hosts", each its own primary on its own port) that
 * share one Redis and one prefix: a line sent on one reaches the room on the other.
 */
describe("two server instances sharing Redis and a prefix", () => {
  const prefix = uniquePrefix();
  const servers: RunningServer[] = [];
  const clients: TestClient[] = [];
  let one: RunningServer;
  let two: RunningServer;
  // A and C on instance one, B on instance two.
  let a: TestClient;
  let b: TestClient;
  let c: TestClient;
  let inboxA: Inbox;
  let inboxB: Inbox;
  let inboxC: Inbox;

  beforeAll(async () => {
    // One worker each: every delivery between the instances has to go through Redis.
    const started = await Promise.allSettled([startServer({ workers: 1, prefix }), startServer({ workers: 1, prefix })]);
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    [one, two] = servers as [RunningServer, RunningServer];
    a = await connectClient(one.url, "A");
    clients.push(a);
    b = await connectClient(two.url, "B");
    clients.push(b);
    c = await connectClient(one.url, "C");
    clients.push(c);
    inboxA = inbox(a);
    inboxB = inbox(b);
    inboxC = inbox(c);
  }, 60_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(servers.map((server) => server.stop()));
  }, 60_000);

  it("are two processes on two ports with the same prefix, each holding its own clients", async () => {
    expect(one.port).not.toBe(two.port);
    expect(one.child.pid).not.toBe(two.child.pid);
    expect(one.prefix).toBe(prefix);
    expect(two.prefix).toBe(prefix);
    await expect(one.workerOf(a.id ?? "")).resolves.toBe(1);
    await expect(one.workerOf(c.id ?? "")).resolves.toBe(1);
    await expect(two.workerOf(b.id ?? "")).resolves.toBe(1);
    expect(two.lines.some((line) => line.includes(`id: ${a.id}`))).toBe(false);
    expect(one.lines.some((line) => line.includes(`id: ${b.id}`))).toBe(false);
  });

  it("carries lines from instance one to instance two, in order, not back to the sender", async () => {
    const texts = ["one to two: first", "one to two: second", "one to two: third"];
    const ids: string[] = [];
    for (const text of texts) ids.push(await sendLine(a, text));
    const last = await inboxB.waitForText("one to two: third");
    expect(last).toMatchObject({ room: "lobby", from: "A", id: ids[2] });
    expect(inboxB.messages.map(({ text, from, id }) => ({ text, from, id }))).toEqual(
      texts.map((text, i) => ({ text, from: "A", id: ids[i] })),
    );
    // C shares A's instance: the local half of the same broadcast.
    await inboxC.waitForText("one to two: third");
    expect(inboxC.texts()).toEqual(texts);
    expect(inboxA.texts()).toEqual([]);
  });

  it("carries lines from instance two to instance one, to every other member exactly once", async () => {
    const id = await sendLine(b, "two to one");
    const atA = await inboxA.waitForText("two to one");
    const atC = await inboxC.waitForText("two to one");
    expect(atA).toMatchObject({ id, room: "lobby", from: "B", text: "two to one" });
    expect(atC).toEqual(atA);
    // A later line from the same sender arrives after any duplicate of the first would have.
    await sendLine(b, "two to one: follow-up");
    await inboxA.waitForText("two to one: follow-up");
    await inboxC.waitForText("two to one: follow-up");
    expect(inboxA.texts()).toEqual(["two to one", "two to one: follow-up"]);
    expect(inboxC.texts()).toEqual([
      "one to two: first",
      "one to two: second",
      "one to two: third",
      "two to one",
      "two to one: follow-up",
    ]);
    expect(inboxB.texts()).toEqual(["one to two: first", "one to two: second", "one to two: third"]);
  });

  it("keeps the ids of one room increasing across both instances", async () => {
    const fromOne = await sendLine(a, "order check: from one");
    const fromTwo = await sendLine(b, "order check: from two");
    const [msOne = 0, seqOne = 0] = fromOne.split("-").map(Number);
    const [msTwo = 0, seqTwo = 0] = fromTwo.split("-").map(Number);
    expect(msTwo > msOne || (msTwo === msOne && seqTwo > seqOne)).toBe(true);
    await inboxB.waitForText("order check: from one");
    await inboxA.waitForText("order check: from two");
    expect(inboxB.texts().at(-1)).toBe("order check: from one");
    expect(inboxA.texts().at(-1)).toBe("order check: from two");
  });

  /*
   * A client that lost its connection before the ack sends the line again, with the same
   * clientId, possibly through another host. The protocol promises that "a retry cannot
   * duplicate it": stored once, answered with the first id, and delivered once.
   */
  it("a retry with the same clientId through the other instance is answered with the first id and delivered once", async () => {
    const clientId = `retry-${randomBytes(6).toString("hex")}`;
    const first = parseSendAck(await emitRaw(a, "message:send", [{ room: "lobby", text: "retried line", clientId }]));
    expect(first.ok).toBe(true);
    await inboxB.waitForText("retried line");
    await inboxC.waitForText("retried line");
    // A again, now through instance two: a second session of the same user.
    const again = await connectClient(two.url, "A");
    clients.push(again);
    const second = parseSendAck(await emitRaw(again, "message:send", [{ room: "lobby", text: "retried line", clientId }]));
    expect(second).toEqual(first);
    // A later line from the same session: any second delivery of the retry comes before it.
    await sendLine(again, "after the retry");
    await inboxB.waitForText("after the retry");
    await inboxC.waitForText("after the retry");
    const withClientId = (inbox: Inbox) => inbox.messages.filter((message) => message.clientId === clientId);
    expect(withClientId(inboxB)).toHaveLength(1);
    expect(withClientId(inboxC)).toHaveLength(1);
    expect(inboxB.texts().slice(-2)).toEqual(["retried line", "after the retry"]);
  });

  it("a send with the same clientId but other text is refused (client_id_reused) and changes nothing anyone sees", async () => {
    const clientId = `edit-${randomBytes(6).toString("hex")}`;
    const first = parseSendAck(await emitRaw(b, "message:send", [{ room: "lobby", text: "the original", clientId }]));
    expect(first.ok).toBe(true);
    await inboxC.waitForText("the original");
    const second = parseSendAck(await emitRaw(b, "message:send", [{ room: "lobby", text: "a rewritten line", clientId }]));
    expect(second).toMatchObject({ ok: false, error: { code: "client_id_reused" } });
    await sendLine(b, "after the rewrite");
    await inboxC.waitForText("after the rewrite");
    const underFirstId = inboxC.messages.filter((message) => first.ok && message.id === first.data.id);
    expect(underFirstId.map(({ text }) => text)).toEqual(["the original"]);
    expect(inboxC.texts()).not.toContain("a rewritten line");
  });
});
