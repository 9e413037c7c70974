import { describe, expect, it } from "vitest";
import type { ChatSocket } from "../../src/app/chat-socket.ts";
import { createMemoryChatApp } from "../../src/app/memory-app.ts";
import { websocketOf } from "../../src/seams/engine-websocket.ts";
import {
  compactListeners,
  decoderOf,
  type EngineLists,
  type SocketLists,
  type WithCallbacks,
  type WithEvents,
} from "../../src/seams/listener-arrays.ts";
import { socketOf } from "../../src/seams/ws-raw-socket.ts";
import { noMetrics, type ChatMetrics } from "../../src/ops/metrics.ts";
import { waitFor, waitUntil, type TestClient } from "@chat/test-kit";
import { startInProcessApp } from "../support/in-process-app.ts";

/*
 * Canary of seams/listener-arrays.ts, on live connections of an in-process server: every list
 * the seam copies is where it looks, and an array (with the listeners the server relies on in
 * it); once copied, each holds the same listeners in a new array, and the connection works as
 * before: events reach their handlers, what it is sent is counted, it upgrades, and its
 * departure is seen. The day a package moves one of these lists, the first half fails, rather
 * than the copying silently finding nothing.
 */

type Lists = Record<string, unknown[]>;

/** Every array of listeners of a Node EventEmitter, by `<where>.<event>`. */
const eventArrays = (where: string, emitter: object | undefined): Lists => {
  const events = (emitter as WithEvents | undefined)?._events ?? {};
  const lists: Lists = {};
  for (const event of Reflect.ownKeys(events)) {
    const listeners = events[event];
    if (Array.isArray(listeners)) lists[`${where}.${String(event)}`] = listeners;
  }
  return lists;
};

/** Every list the seam copies on `socket`, by where it is. */
function listsOf(socket: ChatSocket): Lists {
  const own = socket as unknown as SocketLists;
  const callbacks = (decoderOf(socket) as WithCallbacks | undefined)?._callbacks ?? {};
  const websocket = websocketOf(socket.conn);
  return {
    anyListeners: own._anyListeners as unknown[],
    anyOutgoingListeners: own._anyOutgoingListeners as unknown[],
    cleanupFn: (socket.conn as unknown as EngineLists).cleanupFn as unknown[],
    ...Object.fromEntries(Object.entries(callbacks).map(([event, list]) => [`decoder.${event}`, list as unknown[]])),
    ...eventArrays("socket", socket),
    ...eventArrays("conn", socket.conn),
    ...eventArrays("transport", socket.conn.transport),
    ...eventArrays("websocket", websocket),
    ...eventArrays("tcp", websocket === undefined ? undefined : socketOf(websocket)),
  };
}

describe("copying a connection's lists of listeners to their own length", () => {
  /** The chat app in this process, counting what it delivers. */
  const start = async () => {
    let delivered = 0;
    const metrics: ChatMetrics = { ...noMetrics, delivered: () => void delivered++ };
    const started = await startInProcessApp({ app: (http, config, deps) => createMemoryChatApp(http, config, { ...deps, metrics }) });
    const serverSocketOf = (client: TestClient) => {
      const socket = started.app.io.sockets.sockets.get(client.id ?? "");
      if (socket === undefined) throw new Error(`no server socket for ${client.id}`);
      return socket;
    };
    return { ...started, serverSocketOf, delivered: () => delivered };
  };

  it("finds every list where it looks, as arrays, and copies each with the same listeners in it", async () => {
    const { connect, serverSocketOf } = await start();
    const socket = serverSocketOf(await connect("Lists"));
    const before = listsOf(socket);
    // What the server and the packages put there: one listener of any event and one of any
    // outgoing packet (the app's), the decoder's listener, the transport's clean-up; and the
    // emitters' own, from the TCP socket up, as Node keeps them.
    expect(before.anyListeners).toHaveLength(1);
    expect(before.anyOutgoingListeners).toHaveLength(1);
    expect(before["decoder.$decoded"]).toHaveLength(1);
    expect(before.cleanupFn?.length).toBeGreaterThanOrEqual(1);
    for (const emitter of [socket, socket.conn, socket.conn.transport, websocketOf(socket.conn)]) {
      expect(typeof (emitter as WithEvents | undefined)?._events).toBe("object");
    }
    compactListeners(socket);
    const after = listsOf(socket);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [where, list] of Object.entries(before)) {
      expect(after[where], where).not.toBe(list);
      expect(after[where], where).toEqual(list);
    }
  });

  it("leaves connections working: events reach their handlers, what they are sent arrives and is counted, a departure is seen", async () => {
    const { app, connect, delivered } = await start();
    const sender = await connect("Sender");
    const receiver = await connect("Receiver");
    for (const client of [sender, receiver]) {
      expect(await client.emitWithAck("room:join", { room: "copied" })).toMatchObject({ ok: true, data: { room: "copied" } });
    }
    const countedBefore = delivered();
    const arrival = waitFor(receiver, "message:new");
    expect(await sender.emitWithAck("message:send", { room: "copied", text: "still here", clientId: "copied-1" })).toMatchObject({ ok: true });
    const [line] = await arrival;
    expect(line).toMatchObject({ room: "copied", text: "still here" });
    expect(delivered()).toBeGreaterThan(countedBefore);
    const id = sender.id ?? "";
    sender.close();
    await waitUntil("the server to see the sender leave", () => (app.io.sockets.sockets.has(id) ? undefined : true), 5_000);
  });

  it("over polling, then upgraded: the WebSocket's lists are copied on the upgrade, and the connection works", async () => {
    const { connect, serverSocketOf } = await start();
    const client = await connect("Upgrade", { transports: ["polling", "websocket"] });
    const socket = serverSocketOf(client);
    if (socket.conn.transport.name !== "websocket") {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the connection did not upgrade within 10 s")), 10_000);
        socket.conn.once("upgrade", () => resolve(clearTimeout(timer)));
      });
    }
    expect(typeof (websocketOf(socket.conn) as WithEvents | undefined)?._events).toBe("object");
    expect(listsOf(socket).anyListeners).toHaveLength(1);
    expect(await client.emitWithAck("room:list")).toMatchObject({ ok: true, data: { rooms: ["lobby"] } });
  });
});
