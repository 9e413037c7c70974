import { Duplex } from "node:stream";
import type { SocketInfo, WorkerMessage } from "./messages.ts";

const sendToPrimary = (message: WorkerMessage, done: (error: Error | null) => void) => {
  if (process.send === undefined || !process.connected) return done(null);
  process.send(message, undefined, undefined, done);
};

/**
 * A connection that stays in the primary (a request with a body), as the worker's HTTP
 * server sees it: what the primary relays is read from it, and what the server writes goes
 * back over IPC. It offers the few net.Socket methods Node's HTTP server calls.
 */
export class RelayedSocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** Closed by the client: the primary has nothing left to send it to. */
  #aborted = false;

  constructor(
    readonly connectionId: string,
    info: SocketInfo,
  ) {
    super({ allowHalfOpen: true });
    this.remoteAddress = info.remoteAddress;
    this.remotePort = info.remotePort;
    this.localAddress = info.localAddress;
    this.localPort = info.localPort;
  }

  /** Bytes the primary relayed, pushed as they come. */
  addChunk(chunk: Buffer): void {
    if (!this.destroyed && !this.readableEnded) this.push(chunk);
  }

  abort(): void {
    this.#aborted = true;
    this.destroy(new Error("client connection closed"));
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    sendToPrimary({ type: "sticky:http-response", data: chunk, connectionId: this.connectionId }, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    sendToPrimary({ type: "sticky:http-response-end", connectionId: this.connectionId }, done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.#aborted) return done();
    const message: WorkerMessage = { type: "sticky:http-response-destroy", connectionId: this.connectionId };
    if (error !== null) message.error = error.message;
    sendToPrimary(message, () => done(error));
  }

  destroySoon(): void {
    this.end();
  }

  setTimeout(_ms: number, onTimeout?: () => void): this {
    if (onTimeout !== undefined) this.once("timeout", onTimeout);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { family: string; address: string | undefined; port: number | undefined } {
    return { family: "IPv4", address: this.localAddress, port: this.localPort };
  }
}
