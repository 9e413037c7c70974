import type { ChatMessage, ClientToServerEvents, ServerToClientEvents } from "@chat/protocol";
import { io, type Socket, type ManagerOptions, type SocketOptions } from "socket.io-client";

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real Socket.IO client, connected (or refused) before it is returned. */
export async function connectClient(
  url: string,
  name: unknown,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<TestClient> {
  const socket: TestClient = io(url, { auth: { name }, reconnection: false, forceNew: true, ...options });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${String(name)} did not connect to ${url}`)), 10_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("connect_error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return socket;
}

/*
 * A room's messages arrive one by one (`message:new`) or, when they queue up on the server,
 * several in one `message:batch`. Waiting for or collecting `message:new` sees both, a
 * batch as its messages in order, so that a test saying "received this message" means it
 * however the message came. (A batch also reaches the senders of its messages, which
 * `message:new` never does: a test that sends several lines at once and expects not to get
 * its own back must allow for that.)
 */

/** The next `event` on `socket` (for `message:new`, also the first message of a `message:batch`), or a rejection after `timeoutMs`. */
export function waitFor<E extends keyof ServerToClientEvents>(
  socket: TestClient,
  event: E,
  timeoutMs = 10_000,
): Promise<Parameters<ServerToClientEvents[E]>> {
  return new Promise((resolve, reject) => {
    const on = socket.on.bind(socket) as (event: string, listener: (...args: never[]) => void) => void;
    const off = socket.off.bind(socket) as (event: string, listener: (...args: never[]) => void) => void;
    const settle = (args: Parameters<ServerToClientEvents[E]>) => {
      clearTimeout(timer);
      off(event, listener as never);
      off("message:batch", onBatch);
      resolve(args);
    };
    const timer = setTimeout(() => {
      off(event, listener as never);
      off("message:batch", onBatch);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => settle(args);
    const onBatch = (batch: ChatMessage[]) => {
      const [first] = batch;
      if (first !== undefined) settle([first] as Parameters<ServerToClientEvents[E]>);
    };
    // The typed overloads cannot follow a generic event name; the listener's type is checked above.
    on(event, listener as never);
    if (event === "message:new") on("message:batch", onBatch);
  });
}

/** Collects every `event` a socket receives, in order; `message:new` includes each message of every `message:batch`. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: TestClient,
  event: E,
): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  const on = socket.on.bind(socket) as (event: string, listener: (arg: never) => void) => void;
  on(event, (arg) => seen.push(arg));
  if (event === "message:new") on("message:batch", (batch: ChatMessage[]) => (seen as ChatMessage[]).push(...batch));
  return seen;
}

/** Connects clients until two of them are on different workers; returns that pair. */
export async function clientsOnDifferentWorkers(
  url: string,
  workerOf: (socketId: string) => Promise<number>,
  names: [string, string],
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<{ a: TestClient; b: TestClient; workers: [number, number]; extra: TestClient[] }> {
  const a = await connectClient(url, names[0], options);
  const workerA = await workerOf(a.id ?? "");
  const extra: TestClient[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const b = await connectClient(url, names[1], options);
    const workerB = await workerOf(b.id ?? "");
    if (workerB !== workerA) return { a, b, workers: [workerA, workerB], extra };
    extra.push(b);
  }
  throw new Error("twenty connections in a row landed on the same worker");
}
