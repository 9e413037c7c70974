import {
  ChatMessage,
  ConnectRefusal,
  ackSchemaOf,
  defaultRoom,
  limits,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "@chat/protocol";
import { io, type Socket } from "socket.io-client";

/** How long a send may wait for its acknowledgement before it is reported as failed. */
const ackTimeoutMs = 10_000;

export interface ChatClientEvents {
  /** Something for the user to read. */
  print(line: string): void;
  /** The server will never let this client in (bad name): retrying will not help. */
  refused(message: string): void;
}

export interface ChatClient {
  send(text: string): void;
  /** Resolves once every send has been answered: true when all were accepted. */
  settled(): Promise<boolean>;
  close(): void;
}

export function connectChat(url: string, name: string, events: ChatClientEvents): ChatClient {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { name } });
  let pending = 0;
  let failures = 0;
  let whenSettled: (() => void) | undefined;
  const room = defaultRoom;

  socket.on("connect", () => events.print(`connected, id: ${socket.id ?? "?"}`));
  socket.on("disconnect", (reason) => {
    if (reason === "io client disconnect") return;
    events.print(`disconnected (${reason}), reconnecting…`);
    // After a server-side disconnect Socket.IO does not retry by itself.
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    const refusal = ConnectRefusal.safeParse(error.data);
    if (refusal.success) {
      events.refused(`error: ${refusal.data.code}: ${refusal.data.message}`);
      return;
    }
    events.print(`cannot reach ${url} (${error.message}), retrying…`);
  });
  socket.on("message:new", (raw) => {
    const message = ChatMessage.safeParse(raw);
    if (message.success) events.print(`${message.data.text} from ${message.data.from}`);
  });

  const settle = () => {
    if (pending === 0) whenSettled?.();
  };
  const ackSchema = ackSchemaOf("message:send");

  return {
    send(text) {
      if (text.length > limits.textMaxLength) {
        events.print(`error: invalid_payload: a line may be at most ${limits.textMaxLength} characters`);
        failures += 1;
        return;
      }
      pending += 1;
      socket.timeout(ackTimeoutMs).emit("message:send", { room, text }, (error, raw) => {
        pending -= 1;
        const ack = error ? undefined : ackSchema.safeParse(raw);
        if (ack === undefined) {
          failures += 1;
          events.print(`error: timeout: no answer from the server within ${ackTimeoutMs / 1000} s; the line may not have been sent`);
        } else if (!ack.success) {
          failures += 1;
          events.print("error: internal: the server answered with something this client does not understand");
        } else if (!ack.data.ok) {
          failures += 1;
          events.print(`error: ${ack.data.error.code}: ${ack.data.error.message}`);
        }
        settle();
      });
    },
    settled: () =>
      new Promise<boolean>((resolve) => {
        whenSettled = () => resolve(failures === 0);
        settle();
      }),
    close: () => {
      socket.close();
    },
  };
}
