/**
 * The one place this package touches Node.js's private internals (node:net and
 * node:child_process, checked on Node 20 and 22). test/node-internals.test.ts fails the day
 * a Node.js release changes any of them.
 */
import type { Worker } from "node:cluster";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

interface ReadingHandle {
  reading: boolean;
  readStop(): number;
}

/**
 * Stops the socket's handle reading from the kernel. Pausing the stream is not enough: a
 * paused stream still reads ahead to fill its buffer, and Node.js keeps a handle that was
 * sent to a worker reading here (discarding what it reads) until the worker acknowledges it.
 */
export function stopReading(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: ReadingHandle | null })._handle;
  if (handle == null) return;
  handle.reading = false;
  handle.readStop();
}

/** Whether the socket still has a handle that can be sent to a worker. */
export function hasHandle(socket: Socket): boolean {
  return (socket as unknown as { _handle?: unknown })._handle != null;
}

/** Calls `listener` on each of Node.js's own acknowledgements (NODE_HANDLE_ACK) of a handle the worker received. */
export function onHandleAcknowledged(worker: Worker, listener: () => void): void {
  worker.process.on("internalMessage", (message: unknown) => {
    if (typeof message === "object" && message !== null && (message as { cmd?: unknown }).cmd === "NODE_HANDLE_ACK") {
      listener();
    }
  });
}

interface ChildHandles {
  _pendingMessage?: { handle?: { close(): void } | null } | null;
  _handleQueue?: { handle?: { destroy?: () => void } | null }[] | null;
}

/**
 * Closes the handles a dead worker never acknowledged. Node.js closes its copies only once
 * the IPC channel disconnects, which waits for that very acknowledgement: the connections
 * would stay open here, their clients waiting until they give up.
 */
export function closeUnacknowledgedHandles(worker: Worker): void {
  const child = worker.process as unknown as ChildHandles;
  const pending = child._pendingMessage;
  if (pending?.handle) {
    pending.handle.close();
    child._pendingMessage = null;
  }
  for (const { handle } of child._handleQueue ?? []) handle?.destroy?.();
}

/** The transport an Engine.IO request asked for, from the query Engine.IO parsed onto the request. */
export function requestedTransport(request: IncomingMessage): string | undefined {
  const query = (request as unknown as { _query?: { transport?: unknown } })._query;
  return typeof query?.transport === "string" ? query.transport : undefined;
}
