import { RawWebSocket, isText, textOf, type WsFrame } from "./raw-websocket.ts";
import { EngineSession, parseOpenPacket, type EngineOpen } from "./session.ts";

/** A Socket.IO session over a raw WebSocket, past the Engine.IO open and the namespace connect. */
export interface RawChat {
  readonly ws: RawWebSocket;
  readonly open: EngineOpen;
  /** Sends a Socket.IO event with an ack id and resolves with the ack's arguments. */
  request(event: string, args: unknown[], timeoutMs?: number): Promise<unknown[]>;
  /** The data of every `event` pushed so far; for `message:new`, also each message of every `message:batch`, in order. */
  events(event: string): unknown[];
  /** Whether Engine.IO pings are answered (on by default). */
  answerPings: boolean;
}

/** Connects straight over WebSocket (`transport=websocket`) as user `name`. */
export async function openRawChat(port: number, name: string, timeoutMs = 10_000): Promise<RawChat> {
  const ws = await RawWebSocket.open(port, "/socket.io/?EIO=4&transport=websocket", timeoutMs);
  let open: EngineOpen | undefined;
  let session: EngineSession | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no namespace connect within ${timeoutMs} ms`)), timeoutMs);
    session = new EngineSession({
      send: (frame) => ws.sendText(frame),
      auth: JSON.stringify({ name }),
      onOpen: (frame) => (open = parseOpenPacket(frame)),
      // The events stay in `ws.messages`, where `events` reads them.
      onEvent: () => undefined,
      onConnected: () => {
        clearTimeout(timer);
        resolve();
      },
      onFailed: (reason) => {
        clearTimeout(timer);
        reject(new Error(`${name}: ${reason}`));
      },
    });
  });
  const receive = (frame: WsFrame) => {
    if (isText(frame)) session?.receive(textOf(frame));
  };
  // The open packet may have come with the upgrade's answer, before anyone listened.
  ws.messages.forEach(receive);
  ws.onMessage(receive);
  void ws.closed.then(() => session?.fail("closed before connecting"));
  await connected;
  const engine = session as EngineSession;
  if (open === undefined) throw new Error(`${name}: connected without an open packet`);
  return {
    ws,
    open,
    get answerPings() {
      return engine.answerPings;
    },
    set answerPings(answer: boolean) {
      engine.answerPings = answer;
    },
    request: (event, args, timeoutMs = 10_000) =>
      new Promise<unknown[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
        engine.emitWithAck(JSON.stringify([event, ...args]), (payload) => {
          clearTimeout(timer);
          resolve(JSON.parse(payload) as unknown[]);
        });
      }),
    events: (event) =>
      ws.messages.flatMap((frame) => {
        if (!isText(frame) || !textOf(frame).startsWith("42[")) return [];
        const [name, data] = JSON.parse(textOf(frame).slice(2)) as [unknown, unknown];
        if (event === "message:new" && name === "message:batch" && Array.isArray(data)) return data as unknown[];
        return name === event ? [data] : [];
      }),
  };
}
