import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import type { ChatSocket } from "../../src/app/chat-socket.ts";
import type { ChatApp } from "../../src/app/create-app.ts";
import { createMemoryChatApp } from "../../src/app/memory-app.ts";
import { parseConfig } from "../../src/config.ts";
import { isStandInCloseListener, isUpgradeErrorListener, type Listener } from "../../src/seams/connection-trim.ts";
import { socketOf } from "../../src/seams/ws-raw-socket.ts";
import { connectClient, type TestClient } from "@chat/test-kit";

/*
 * Canary of seams/connection-trim.ts, on live connections of an in-process server: what
 * trimming drops is there before it runs (found by the seam's own tests of a listener's
 * name and source), and gone after. The day Engine.IO renames its upgrade-error listener or
 * changes its upgrade's stand-in response, the "before" half fails, rather than the trimming
 * silently finding nothing and the memory staying held.
 */

type EngineSocket = ChatSocket["conn"];

/** What a connection holds of its opening, counted. */
interface Held {
  request: boolean;
  upgradeErrorListeners: number;
  standInCloseListeners: number;
}

const websocketOf = (transport: unknown): WebSocket | undefined => (transport as { socket?: WebSocket }).socket;

/** What `conn` holds, on `transport` (its own, or the one it is upgrading to). */
function heldBy(conn: EngineSocket, transport: unknown = conn.transport): Held {
  const websocket = websocketOf(transport);
  const raw: Duplex | undefined = websocket === undefined ? undefined : socketOf(websocket);
  return {
    request: conn.request !== undefined,
    upgradeErrorListeners: websocket?.listeners("error").filter(isUpgradeErrorListener).length ?? 0,
    standInCloseListeners: (raw?.rawListeners("close") as Listener[] | undefined)?.filter(isStandInCloseListener).length ?? 0,
  };
}

/** Node's `gc()`, made reachable without a flag on the command line. */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Whether `ref`'s object is collected within a few full collections. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let round = 0; round < 10 && ref.deref() !== undefined; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
  }
  return ref.deref() === undefined;
}

const silent = { info: () => {}, error: () => {} };

describe("trimming a new connection", () => {
  let http: HttpServer;
  let app: ChatApp;
  let url: string;
  const clients: TestClient[] = [];
  /** Each Engine.IO connection as it opens, before Socket.IO connects it (and trims it). */
  const opened = new WeakMap<EngineSocket, Held>();
  /** Each connection's WebSocket as its upgrade begins, before trimming could see it. */
  const upgrading = new WeakMap<EngineSocket, Held>();
  /** The opening request of each connection (its upgrade, or its first poll). */
  const openingRequests = new WeakMap<EngineSocket, WeakRef<object>>();
  /** The request of each WebSocket upgrade, by its TCP socket. */
  const upgradeRequests = new WeakMap<Duplex, WeakRef<object>>();
  const upgradeRequestOf = (conn: EngineSocket) => {
    const websocket = websocketOf(conn.transport);
    const raw = websocket === undefined ? undefined : socketOf(websocket);
    const request = raw === undefined ? undefined : upgradeRequests.get(raw);
    if (request === undefined) throw new Error("no upgrade request recorded for this connection");
    return request;
  };

  beforeAll(async () => {
    const parsed = parseConfig({}, []);
    if (parsed.help) throw new Error("unreachable: no --help given");
    http = createServer();
    http.on("upgrade", (request, socket: Duplex) => upgradeRequests.set(socket, new WeakRef(request)));
    app = createMemoryChatApp(http, parsed.config, { log: silent });
    app.io.engine.on("connection", (conn: EngineSocket) => {
      opened.set(conn, heldBy(conn));
      openingRequests.set(conn, new WeakRef(conn.request));
      conn.once("upgrading", (transport: unknown) => upgrading.set(conn, heldBy(conn, transport)));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(async () => {
    await app?.close();
    http?.closeAllConnections();
  });

  const serverSocketOf = (client: TestClient) => {
    const socket = app.io.sockets.sockets.get(client.id ?? "");
    if (socket === undefined) throw new Error(`no server socket for ${client.id}`);
    return socket;
  };

  it("over WebSocket: the request, the upgrade-error listener and the stand-in's close listener are there at opening, gone once connected", async () => {
    const client = await connectClient(url, "Ws", { transports: ["websocket"] });
    clients.push(client);
    const socket = serverSocketOf(client);
    expect(opened.get(socket.conn)).toEqual({ request: true, upgradeErrorListeners: 1, standInCloseListeners: 1 });
    expect(heldBy(socket.conn)).toEqual({ request: false, upgradeErrorListeners: 0, standInCloseListeners: 0 });
    // Nothing else holds the upgrade's request: it is gone once collected.
    expect(openingRequests.get(socket.conn)?.deref()).toBe(upgradeRequestOf(socket.conn).deref());
    expect(await collected(upgradeRequestOf(socket.conn))).toBe(true);
    // The handshake keeps what the server reads (`auth`, `address`), not the headers, query or URL.
    expect(socket.handshake).toMatchObject({ auth: { name: "Ws" }, headers: {}, query: {}, url: "" });
    expect(socket.handshake.address).toMatch(/127\.0\.0\.1/);
    // The connection still works both ways.
    expect(await client.emitWithAck("room:list")).toMatchObject({ ok: true, data: { rooms: ["lobby"] } });
  });

  it("over polling, then upgraded: the first poll's request is let go of; the upgrade leaves no listener behind", async () => {
    const client = await connectClient(url, "Poll", { transports: ["polling", "websocket"] });
    clients.push(client);
    const socket = serverSocketOf(client);
    expect(opened.get(socket.conn)).toEqual({ request: true, upgradeErrorListeners: 0, standInCloseListeners: 0 });
    if (socket.conn.transport.name !== "websocket") {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the connection did not upgrade within 10 s")), 10_000);
        socket.conn.once("upgrade", () => resolve(clearTimeout(timer)));
      });
    }
    // Engine.IO drops its upgrade-error listener itself when an upgrade takes over a session;
    // the upgrade's stand-in response stays, holding the upgrade's request.
    expect(upgrading.get(socket.conn)).toMatchObject({ upgradeErrorListeners: 0, standInCloseListeners: 1 });
    expect(heldBy(socket.conn)).toEqual({ request: false, upgradeErrorListeners: 0, standInCloseListeners: 0 });
    // Nothing else holds the first poll's request, nor the upgrade's.
    expect(await collected(openingRequests.get(socket.conn) ?? new WeakRef({}))).toBe(true);
    expect(await collected(upgradeRequestOf(socket.conn))).toBe(true);
    expect(socket.handshake).toMatchObject({ auth: { name: "Poll" }, headers: {}, query: {}, url: "" });
    expect(await client.emitWithAck("room:list")).toMatchObject({ ok: true, data: { rooms: ["lobby"] } });
  });
});
