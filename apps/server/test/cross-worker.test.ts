import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsOnDifferentWorkers,
  collect,
  type RunningServer,
  sleep,
  startServer,
  type TestClient,
  waitFor,
} from "@chat/test-kit";

describe("a cluster of two workers joined by Redis", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  });

  it("relays a line from a client on one worker to a client on the other, not back to the sender", async () => {
    const { a, b, workers, extra } = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(a, b, ...extra);
    expect(workers[0]).not.toBe(workers[1]);
    const seenByA = collect(a, "message:new");
    const arrival = waitFor(b, "message:new");
    const ack = await a.emitWithAck("message:send", { room: "lobby", text: "Hello" });
    expect(ack).toMatchObject({ ok: true, data: { id: expect.stringMatching(/^\d+-\d+$/) } });
    const [message] = await arrival;
    expect(message).toMatchObject({ room: "lobby", from: "A", text: "Hello" });
    expect(ack.ok && ack.data.id).toBe(message.id);
    await sleep(200);
    expect(seenByA).toEqual([]);
  });
});
