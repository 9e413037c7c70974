import { createConnection } from "node:net";

/** An error reply of Redis (`-ERR ...`, `-LOADING ...`). */
export class RespError extends Error {
  override name = "RespError";
}

/** A decoded RESP2 reply. */
export type RespValue = string | number | null | RespError | RespValue[];

/** Decodes one reply at `offset`; undefined when `buffer` does not hold all of it yet. */
function decode(buffer: Buffer, offset: number): { value: RespValue; next: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, next: afterLine };
    case "-":
      return { value: new RespError(line), next: afterLine };
    case ":":
      return { value: Number(line), next: afterLine };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buffer.length < afterLine + length + 2) return undefined;
      return { value: buffer.toString("utf8", afterLine, afterLine + length), next: afterLine + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = decode(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

const encode = (args: readonly string[]): Buffer =>
  Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.map((arg) => {
      const bytes = Buffer.from(arg, "utf8");
      return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n")]);
    }),
  ]);

/**
 * Runs one command on a fresh connection to Redis at 127.0.0.1:`port` and resolves with its
 * reply (an error reply resolves as a `RespError`). Rejects if the connection fails, closes
 * before the reply, or nothing comes within `timeoutMs`. `SHUTDOWN` resolves with null when
 * the server closes the connection instead of answering.
 */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 5_000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      settle();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`redis ${args[0] ?? ""} on port ${port}: no reply within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on("connect", () => socket.write(encode(args)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let reply: { value: RespValue } | undefined;
      try {
        reply = decode(received, 0);
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
        return;
      }
      if (reply !== undefined) {
        const { value } = reply;
        finish(() => resolve(value));
      }
    });
    socket.on("error", (error) => finish(() => reject(error)));
    socket.on("close", () => {
      if (args[0]?.toUpperCase() === "SHUTDOWN") finish(() => resolve(null));
      finish(() => reject(new Error(`redis ${args[0] ?? ""} on port ${port}: connection closed before the reply`)));
    });
  });
}

/** One entry of a room's stream, as the server stores it (XADD ... from, text, clientId). */
export interface StreamEntry {
  id: string;
  from: string;
  text: string;
  clientId: string | undefined;
}

/** Every entry of the stream at `key`, in stream (id) order: `XRANGE key - +`. */
export async function readStream(port: number, key: string): Promise<StreamEntry[]> {
  const reply = await redisCommand(port, ["XRANGE", key, "-", "+"]);
  if (reply instanceof RespError) throw reply;
  if (!Array.isArray(reply)) throw new Error(`XRANGE ${key}: unexpected reply ${JSON.stringify(reply)}`);
  return reply.map((raw) => {
    if (!Array.isArray(raw) || typeof raw[0] !== "string" || !Array.isArray(raw[1])) {
      throw new Error(`XRANGE ${key}: unexpected entry ${JSON.stringify(raw)}`);
    }
    const fields = new Map<string, string>();
    const flat = raw[1];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i];
      const value = flat[i + 1];
      if (typeof name === "string" && typeof value === "string") fields.set(name, value);
    }
    return { id: raw[0], from: fields.get("from") ?? "", text: fields.get("text") ?? "", clientId: fields.get("clientId") };
  });
}
