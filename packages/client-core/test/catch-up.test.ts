import { startServer, uniquePrefix, type RunningServer } from "@chat/test-kit";
import type { ConnectionState } from "@chat/client-core";
import type { ChatMessage } from "@chat/protocol";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { client, closeAll, connected, freshRoom, textsIn, until } from "./support.ts";

/*
 * Two servers sharing one Redis prefix stand for two hosts: the reader's host is stopped,
 * lines are written through the other while the reader cannot hear them, and the reader's
 * host comes back on the same port. Nothing the reader missed may be lost, doubled or shown
 * after a line written later.
 */
describe("catch-up after a reconnect", () => {
  const prefix = uniquePrefix();
  const servers: RunningServer[] = [];
  const start = async (port = 0) => {
    const server = await startServer({ workers: 1, prefix, env: { PORT: String(port) } });
    servers.push(server);
    return server;
  };
  afterEach(() => closeAll());
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("shows every missed message once, in order, before the ones written after it came back", async () => {
    const [writerHost, readerHost] = await Promise.all([start(), start()]);
    const room = freshRoom("catch-up");
    const writer = client(writerHost.url, { name: "writer", rooms: [room] });
    const reader = client(readerHost.url, { name: "reader", rooms: [room] });
    await Promise.all([connected(writer, room), connected(reader, room)]);
    await writer.say(room, "before");
    await until(reader, () => textsIn(reader, room).includes("before"), "the first line");

    const shown: ChatMessage[] = [];
    reader.on("message", (message) => shown.push(message));
    const states: ConnectionState["status"][] = [];
    reader.on("connection", (state) => states.push(state.status));

    await readerHost.stop();
    await until(reader, () => reader.connection.status === "reconnecting", "the reconnecting state");
    const missed = Array.from({ length: 12 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed) await writer.say(room, text);
    // The reader wrote too while away: its line waits, pending, and goes once it is back.
    const waiting = reader.say(room, "written while away");
    expect(reader.outgoingTo({ room })[0]?.status).toBe("pending");

    await start(readerHost.port);
    await until(reader, () => reader.connection.status === "connected", "the reconnection", 40_000);
    expect((await waiting).status).toBe("sent");
    await writer.say(room, "after");
    await until(reader, () => textsIn(reader, room).includes("after"), "the line written after", 30_000);

    expect(shown.map((message) => message.text)).toEqual([...missed, "after"]);
    expect(textsIn(reader, room)).toEqual(["before", ...missed, "written while away", "after"]);
    expect(new Set(reader.messagesOf(room).map((message) => message.id)).size).toBe(reader.messagesOf(room).length);
    expect(states).toEqual(expect.arrayContaining(["reconnecting", "connected"]));
    await until(writer, () => textsIn(writer, room).includes("written while away"), "the reader's line");
  }, 120_000);
});
