import type { Worker } from "node:cluster";
import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connectClient } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { closeUnacknowledgedHandles, hasHandle, onHandleAcknowledged, requestedTransport, stopReading } from "../src/node-internals.ts";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** Both ends of a loopback TCP connection. */
async function socketPair(): Promise<{ accepted: Socket; client: Socket }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(() => server.close());
  const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
  const [accepted] = (await once(server, "connection")) as [Socket];
  cleanups.push(() => {
    client.destroy();
    accepted.destroy();
  });
  return { accepted, client };
}

describe("the Node.js internals @chat/sticky relies on", () => {
  it("a paused socket reads ahead into its buffer; one whose handle stopped reading does not", async () => {
    const stopped = await socketPair();
    const paused = await socketPair();
    expect(hasHandle(stopped.accepted)).toBe(true);
    stopped.accepted.pause();
    stopReading(stopped.accepted);
    paused.accepted.pause();
    stopped.client.write("first packet");
    paused.client.write("first packet");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(paused.accepted.readableLength).toBe("first packet".length);
    expect(stopped.accepted.readableLength).toBe(0);
  });

  it("a handle sent to a child process waits in _pendingMessage until the child's NODE_HANDLE_ACK", async () => {
    const child = fork("-e", ["process.on('message', () => {})"], { stdio: "ignore" });
    cleanups.push(() => child.kill());
    await once(child, "spawn");
    const worker = { process: child } as unknown as Worker;
    const { accepted } = await socketPair();
    const acknowledged = new Promise<void>((resolve) => onHandleAcknowledged(worker, resolve));
    child.send({ hello: true }, accepted);
    const internals = child as unknown as { _pendingMessage?: { handle?: unknown } | null; _handleQueue?: unknown };
    expect(internals._pendingMessage?.handle).toBeTruthy();
    expect(Array.isArray(internals._handleQueue)).toBe(true);
    await acknowledged;
    expect(internals._pendingMessage ?? null).toBe(null);
    closeUnacknowledgedHandles(worker);
  });

  it("a child that dies before acknowledging: closing its pending handle closes the client's connection", async () => {
    // A child with no IPC listener of its own never reads the handle: no acknowledgement.
    const child = fork("-e", ["setInterval(() => {}, 1000)"], { stdio: "ignore", execArgv: [] });
    cleanups.push(() => child.kill("SIGKILL"));
    await once(child, "spawn");
    const worker = { process: child } as unknown as Worker;
    const { accepted, client } = await socketPair();
    child.kill("SIGSTOP");
    child.send({ hello: true }, accepted);
    accepted.destroy();
    child.kill("SIGKILL");
    await once(child, "exit");
    const closed = once(client, "close");
    closeUnacknowledgedHandles(worker);
    client.resume();
    await closed;
    expect(client.destroyed).toBe(true);
  });

  it("Engine.IO keeps a request's parsed query as _query, with its transport", async () => {
    const httpServer = createHttpServer();
    const io = new Server(httpServer);
    cleanups.push(() => void io.close());
    httpServer.listen(0, "127.0.0.1");
    await once(httpServer, "listening");
    const transports: (string | undefined)[] = [];
    io.engine.on("connection", (session: { request: IncomingMessage }) => transports.push(requestedTransport(session.request)));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    for (const transport of ["websocket", "polling"]) {
      const client = connectClient(url, { transports: [transport], forceNew: true });
      cleanups.push(() => client.close());
      await new Promise<void>((resolve) => client.once("connect", resolve));
    }
    expect(transports).toEqual(["websocket", "polling"]);
  });
});
