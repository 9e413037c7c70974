import { AckFailure, ackOf, ChatMessage, MessageBatch, MessageSent } from "@chat/protocol";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { type TestClient } from "@chat/test-kit";

/**
 * Helpers for tests that send what the protocol's types forbid (wrong shapes, unknown events,
 * no ack) and check what comes back with the protocol's own schemas instead of trusting it.
 */

/** The same connection, without the event maps: anything can be emitted on it. */
export const untyped = (client: TestClient): Socket => client as unknown as Socket;

/** Emits `event` with `args` and an ack callback; resolves with whatever the server acknowledged. */
export async function emitRaw(client: TestClient, event: string, args: unknown[], timeoutMs = 10_000): Promise<unknown> {
  const answer: unknown = await untyped(client).timeout(timeoutMs).emitWithAck(event, ...args);
  return answer;
}

/** The acknowledgement of `message:send`, checked against the protocol's schema. */
export const parseSendAck = (value: unknown) => ackOf(MessageSent).parse(value);

/** An acknowledgement that must be a failure, checked against the protocol's schema. */
export const parseFailure = (value: unknown): AckFailure => AckFailure.parse(value);

/** Sends a good line and returns its id; fails the test if the server refuses it or does not answer. */
export async function sendLine(client: TestClient, text: string, room = "lobby", timeoutMs = 15_000): Promise<string> {
  const ack = await client
    .timeout(timeoutMs)
    .emitWithAck("message:send", { room, text })
    .catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`no ack for message:send ${JSON.stringify(text.slice(0, 40))} from ${client.id ?? "?"} (connected: ${client.connected}): ${why}`);
    });
  if (!ack.ok) throw new Error(`message:send ${JSON.stringify(text.slice(0, 40))} refused: ${JSON.stringify(ack.error)}`);
  return ack.data.id;
}

/**
 * Every `message:new` a client receives, in order, each checked against the protocol's
 * schema; the messages of a `message:batch` count as `message:new`, in order.
 */
export interface Inbox {
  readonly messages: ChatMessage[];
  /** How many of `messages` came in a `message:batch`. */
  readonly batched: number;
  texts(): string[];
  /** The first message (already received or still to come) with this text. */
  waitForText(text: string, timeoutMs?: number): Promise<ChatMessage>;
}

export function inbox(client: TestClient): Inbox {
  const messages: ChatMessage[] = [];
  let batched = 0;
  const waiters: { text: string; resolve: (message: ChatMessage) => void }[] = [];
  const take = (message: ChatMessage) => {
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.text === message.text) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  };
  untyped(client).on("message:new", (...args: unknown[]) => {
    if (args.length !== 1) throw new Error(`message:new with ${args.length} arguments`);
    take(ChatMessage.parse(args[0]));
  });
  untyped(client).on("message:batch", (...args: unknown[]) => {
    if (args.length !== 1) throw new Error(`message:batch with ${args.length} arguments`);
    const batch = MessageBatch.parse(args[0]);
    batched += batch.length;
    batch.forEach(take);
  });
  return {
    messages,
    get batched() {
      return batched;
    },
    texts: () => messages.map((message) => message.text),
    waitForText(text, timeoutMs = 15_000) {
      const seen = messages.find((message) => message.text === text);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no message:new ${JSON.stringify(text.slice(0, 40))} at ${client.id ?? "?"} (connected: ${client.connected}) within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.text.slice(0, 40)))}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message);
          },
        });
      });
    },
  };
}

/** What a connection attempt ended with: connected (then closed again), or refused with `connect_error`. */
export type ConnectOutcome = { connected: true } | { connected: false; message: string; data: unknown };

/** Tries to connect with `auth` exactly as given (absent when undefined). */
export async function tryConnect(
  url: string,
  auth: Record<string, unknown> | undefined,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ConnectOutcome> {
  const socket = io(url, { reconnection: false, forceNew: true, ...(auth === undefined ? {} : { auth }), ...options });
  try {
    return await new Promise<ConnectOutcome>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connect or connect_error from ${url}`)), 10_000);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve({ connected: true });
      });
      socket.once("connect_error", (error: Error & { data?: unknown }) => {
        clearTimeout(timer);
        resolve({ connected: false, message: error.message, data: error.data });
      });
    });
  } finally {
    socket.close();
  }
}

/** Resolves once the client's connection runs over WebSocket (at once if it already does). */
export function upgradedToWebSocket(client: TestClient, timeoutMs = 10_000): Promise<void> {
  const engine = client.io.engine;
  if (engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still on ${engine.transport.name} after ${timeoutMs} ms`)), timeoutMs);
    engine.once("upgrade", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
