import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket as TcpSocket } from "node:net";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { freePort } from "@chat/test-kit";
import type { ConnectionState } from "@chat/client-core";
import type { SessionClosing } from "@chat/protocol";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { client, closeAll, connected, until } from "./support.ts";

const urlOf = (server: HttpServer | TcpServer) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listening = <S extends HttpServer | TcpServer>(server: S) =>
  new Promise<S>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));

/** A Socket.IO server that answers what a client needs to get going; `refuse` turns connections away. */
async function fakeChat(refuse?: { code: string; message: string }) {
  const http = await listening(createHttpServer());
  const io = new Server(http);
  if (refuse !== undefined) io.use((_socket, next) => next(Object.assign(new Error(refuse.message), { data: refuse })));
  io.on("connection", (socket) => {
    socket.on("room:join", ({ room }: { room: string }, ack: (answer: unknown) => void) => ack({ ok: true, data: { room, messages: [], more: false } }));
    socket.on("presence:who", ({ room }: { room: string }, ack: (answer: unknown) => void) => ack({ ok: true, data: { room, users: ["ann"] } }));
    socket.on("dm:fetch", (_query: unknown, ack: (answer: unknown) => void) => ack({ ok: true, data: { messages: [], more: false } }));
  });
  return { io, url: urlOf(http), close: () => io.close() };
}

const troubled = (chat: ReturnType<typeof client>) =>
  until(chat, () => ("trouble" in chat.connection && chat.connection.trouble !== undefined ? chat.connection : undefined), "trouble");

describe("why the client is not connected, as its connection state says", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    closeAll();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(() => closeAll());

  it("a server that is not running: unreachable, with the cause in words", async () => {
    const chat = client(`http://127.0.0.1:${await freePort()}`, { name: "ann" });
    const state = await troubled(chat);
    expect(state).toEqual({ status: "connecting", reason: "connection refused (ECONNREFUSED)", trouble: { why: "unreachable" } });
  });

  it("a server that takes the connection and never answers: silent, after silenceReportMs", async () => {
    const held: TcpSocket[] = [];
    const mute = await listening(createTcpServer((socket) => held.push(socket)));
    cleanups.push(() => {
      for (const socket of held) socket.destroy();
      mute.close();
    });
    const chat = client(urlOf(mute), { name: "ann", silenceReportMs: 500 });
    const state = await troubled(chat);
    expect(state).toEqual({ status: "connecting", reason: "no answer within 0.5 s", trouble: { why: "silent" } });
  });

  it("a server that refuses for now: the code and the server's words, and the client tries again", async () => {
    const fake = await fakeChat({ code: "unavailable", message: "the server is full" });
    cleanups.push(fake.close);
    const states: ConnectionState[] = [];
    const chat = client(fake.url, { name: "ann", refusedRetryMs: () => 50 });
    chat.on("connection", (state) => states.push(state));
    await until(chat, () => states.length >= 2, "two refusals");
    expect(states.slice(0, 2)).toEqual([
      { status: "connecting", reason: "the server is full", trouble: { why: "refused", code: "unavailable" } },
      { status: "connecting", reason: "the server is full", trouble: { why: "refused", code: "unavailable" } },
    ]);
  });

  it("tells the server's notice before it closes the connection, then reconnects", async () => {
    const fake = await fakeChat();
    cleanups.push(fake.close);
    const chat = client(fake.url, { name: "ann" });
    await connected(chat);
    const notices: SessionClosing[] = [];
    chat.on("closing", (notice) => notices.push(notice));
    const states: ConnectionState["status"][] = [];
    chat.on("connection", (state) => states.push(state.status));
    for (const socket of await fake.io.fetchSockets()) {
      socket.emit("session:closing", { code: "backlogged", message: "too much waiting to be sent" });
      socket.disconnect(true);
    }
    await until(chat, () => states.includes("connected"), "the reconnection");
    expect(notices).toEqual([{ code: "backlogged", message: "too much waiting to be sent" }]);
    expect(states).toEqual(["reconnecting", "connected"]);
  });
});
