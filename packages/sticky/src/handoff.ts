import type { Worker } from "node:cluster";
import type { Socket } from "node:net";
import type { PrimaryMessage } from "./messages.ts";
import { hasHandle, stopReading } from "./node-internals.ts";

/** Past this, a handle whose acknowledgement never came is taken as lost and the next one goes. */
const acknowledgementTimeoutMs = 10_000;

/** A connection on its way to a worker, with the header that chose the worker. */
export interface Handoff {
  message: Extract<PrimaryMessage, { type: "sticky:connection" }> & { data: Buffer };
  socket: Socket;
  header: string;
}

interface Line {
  /** Set while a handle is in flight to the worker. */
  timer: NodeJS.Timeout | undefined;
  waiting: Handoff[];
}

/**
 * Passes connections to each worker one at a time. Node.js sends one handle at a time over
 * an IPC channel and queues the others, sending its whole queue again at each
 * acknowledgement: a burst of N connections would cost O(N²) here. They wait in this line
 * instead, and the next goes once the worker acknowledges the last (`acknowledged`).
 */
export class HandoffLines {
  readonly #lines = new Map<number, Line>();

  pass(worker: Worker, handoff: Handoff): void {
    let line = this.#lines.get(worker.id);
    if (line === undefined) {
      line = { timer: undefined, waiting: [] };
      this.#lines.set(worker.id, line);
    }
    if (line.timer !== undefined) {
      line.waiting.push(handoff);
      return;
    }
    const { message, socket } = handoff;
    // Closed while it waited: there is no handle to send, and no acknowledgement would come.
    if (!hasHandle(socket)) {
      socket.destroy();
      return;
    }
    line.timer = setTimeout(() => this.acknowledged(worker), acknowledgementTimeoutMs);
    line.timer.unref();
    // While it waited, the paused stream read ahead to fill its buffer (often the client's
    // first WebSocket frame): once the handle is sent, what this process reads is dropped,
    // so stop reading and send that along with the header.
    const readAhead: Buffer | null = socket.read();
    stopReading(socket);
    const data = readAhead === null ? message.data : Buffer.concat([message.data, readAhead]);
    worker.send({ ...message, data }, socket, (error: Error | null) => {
      if (error === null) return;
      socket.destroy();
      this.acknowledged(worker);
    });
  }

  /** The worker has the handle in flight: pass the next connection waiting for it. */
  acknowledged(worker: Worker): void {
    const line = this.#lines.get(worker.id);
    if (line === undefined) return;
    clearTimeout(line.timer);
    line.timer = undefined;
    // Until one is in flight again: those closed while they waited are skipped.
    while (line.timer === undefined && line.waiting.length > 0) {
      const next = line.waiting.shift();
      if (next !== undefined) this.pass(worker, next);
    }
  }

  /** The worker is gone: the connections still waiting for it, which never reached it. */
  drop(worker: Worker): Handoff[] {
    const line = this.#lines.get(worker.id);
    this.#lines.delete(worker.id);
    if (line === undefined) return [];
    clearTimeout(line.timer);
    return line.waiting;
  }
}
