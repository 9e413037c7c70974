import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import type { ValidationIssue } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, closeAll, connected, textsIn } from "./support.ts";

/*
 * A server that breaks the protocol, which the chat server never does on purpose: a real
 * Socket.IO server answering what a client needs to get going, then sending what it should not.
 */
describe("what the server sends is checked against the protocol", () => {
  let http: HttpServer;
  let io: Server;
  let url: string;

  beforeAll(async () => {
    http = createServer();
    io = new Server(http);
    io.on("connection", (socket) => {
      socket.on("room:join", ({ room }: { room: string }, ack: (answer: unknown) => void) => ack({ ok: true, data: { room, messages: [], more: false } }));
      socket.on("presence:who", ({ room }: { room: string }, ack: (answer: unknown) => void) => ack({ ok: true, data: { room, users: ["ann"] } }));
      socket.on("dm:fetch", (_query: unknown, ack: (answer: unknown) => void) => ack({ ok: true, data: { messages: [], more: false } }));
      socket.on("room:list", (ack: (answer: unknown) => void) => ack({ ok: true, data: { rooms: "lobby" } }));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    closeAll();
    await io.close();
  });

  it("reports an event that does not follow the protocol and drops it, and goes on with the next", async () => {
    const ann = client(url, { name: "ann" });
    await connected(ann);
    const invalid: [string, readonly ValidationIssue[]][] = [];
    ann.on("invalid", (event, issues) => invalid.push([event, issues]));
    const heard = new Promise((resolve) => ann.on("message", resolve));
    io.emit("message:new", { id: "not-an-id", room: "lobby", from: "eve", text: 5, sentAt: 1 });
    io.emit("message:new", { id: "1700000000000-0", room: "lobby", from: "bob", text: "fine", sentAt: 1700000000000 });
    await heard;
    expect(textsIn(ann, "lobby")).toEqual(["fine"]);
    expect(invalid.map(([event, issues]) => [event, issues.map((issue) => issue.path.join("."))])).toEqual([
      ["message:new", ["0.id", "0.text"]],
    ]);
  });

  it("turns an answer that does not follow the protocol into an internal failure", async () => {
    const ann = client(url, { name: "ann" });
    await connected(ann);
    const outcome = await ann.listRooms();
    expect(outcome).toEqual({ ok: false, error: { code: "internal", message: "the server's answer does not follow the protocol" } });
  });
});
