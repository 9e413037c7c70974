import type { ClientToServerEvents, ServerToClientEvents } from "@chat/protocol";
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

/** The next `event` on `socket`, or a rejection after `timeoutMs`. */
export function waitFor<E extends keyof ServerToClientEvents>(
  socket: TestClient,
  event: E,
  timeoutMs = 10_000,
): Promise<Parameters<ServerToClientEvents[E]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => {
      clearTimeout(timer);
      resolve(args);
    };
    // The typed overloads cannot follow a generic event name; the listener's type is checked above.
    (socket.once as (event: string, listener: (...args: never[]) => void) => void)(event, listener as never);
  });
}

/** Collects every `event` a socket receives, in order. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: TestClient,
  event: E,
): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket.on as (event: string, listener: (arg: never) => void) => void)(event, (arg) => seen.push(arg));
  return seen;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
