import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, startServer, type RunningServer, type TestClient } from "@chat/test-kit";
import { record, type Recorder } from "./support/recorder.ts";
import { ok, refused, request } from "./support/requests.ts";
import { unique } from "./support/topology.ts";

/**
 * A clientId names one message. A send that repeats it with the same text is a retry, and is
 * answered with the first send's id; one that repeats it with other text is another message
 * under a name already taken, and is refused (`client_id_reused`), rather than acknowledged
 * as if its text had been stored. Two workers on one Redis, A on one, B on the other or the same.
 */
describe("a clientId reused with other text", () => {
  let server: RunningServer;
  let a: TestClient;
  let b: TestClient;
  let atB: Recorder;
  const room = unique("reuse");

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    a = await connectClient(server.url, "A");
    b = await connectClient(server.url, "B");
    atB = record(b);
    for (const client of [a, b]) await ok(client, "room:join", { room });
  }, 120_000);
  afterAll(async () => {
    for (const client of [a, b]) client?.close();
    await server?.stop();
  }, 30_000);

  it("in a room: refused with client_id_reused; nothing stored or delivered; the same text is still a retry", async () => {
    const clientId = unique("line");
    const first = await ok(a, "message:send", { room, text: "the first text", clientId });
    const error = await refused(a, "message:send", { room, text: "another text", clientId });
    expect(error.code).toBe("client_id_reused");
    expect(error.message).toContain(clientId);
    expect(await ok(a, "message:send", { room, text: "the first text", clientId })).toEqual(first);
    const marker = unique("after");
    await ok(a, "message:send", { room, text: marker });
    await atB.next("message:new", (message) => message.text === marker);
    const shown = atB.of("message:new").filter((message) => message.room === room);
    expect(shown.map((message) => message.text)).toEqual(["the first text", marker]);
    const stored = (await ok(b, "history:fetch", { room, limit: 100 })).messages.filter((message) => message.clientId === clientId);
    expect(stored.map(({ id, text }) => ({ id, text }))).toEqual([{ id: first.id, text: "the first text" }]);
  });

  it("in one burst (one batch to Redis): the first text is stored, the other refused", async () => {
    const clientId = unique("burst");
    // Lines in flight first, so that the two queue behind them and most likely go to Redis in one batch.
    const fillers = Array.from({ length: 10 }, (_, i) => request(a, "message:send", { room, text: `filler ${i}` }));
    const [first, second] = await Promise.all([
      request(a, "message:send", { room, text: "burst first", clientId }),
      request(a, "message:send", { room, text: "burst second", clientId }),
    ]);
    expect((await Promise.all(fillers)).every((ack) => ack.ok)).toBe(true);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, error: { code: "client_id_reused" } });
    const stored = (await ok(b, "history:fetch", { room, limit: 100 })).messages.filter((message) => message.clientId === clientId);
    expect(stored.map((message) => message.text)).toEqual(["burst first"]);
  });

  it("in a direct message: refused with client_id_reused; the inboxes hold the first text only", async () => {
    const clientId = unique("dm");
    const first = await ok(a, "dm:send", { to: "B", text: "the first DM", clientId });
    const error = await refused(a, "dm:send", { to: "B", text: "another DM", clientId });
    expect(error.code).toBe("client_id_reused");
    expect(await ok(a, "dm:send", { to: "B", text: "the first DM", clientId })).toEqual(first);
    const marker = unique("dm-after");
    await ok(a, "dm:send", { to: "B", text: marker });
    await atB.next("dm:new", (message) => message.text === marker);
    expect(atB.of("dm:new").map((message) => message.text)).toEqual(["the first DM", marker]);
    for (const reader of [a, b]) {
      const kept = (await ok(reader, "dm:fetch", {})).messages.filter((message) => message.clientId === clientId);
      expect(kept.map((message) => message.text)).toEqual(["the first DM"]);
    }
  });

  it("the same clientId in a room and in a direct message are two names: neither refuses the other", async () => {
    const clientId = unique("both");
    await ok(a, "message:send", { room, text: "a line", clientId });
    await ok(a, "dm:send", { to: "B", text: "a DM", clientId });
  });

  it("no client received anything that fails the protocol's schemas", () => {
    expect(atB.malformed).toEqual([]);
  });
});
