import type { Server as HttpServer } from "node:http";
import { defaultRoom, fail, isClientEventName } from "@chat/protocol";
import { Server, type ServerOptions } from "socket.io";
import type { ChatServer, ChatSocket } from "./chat-socket.ts";
import { defineHandler, splitAck } from "./handlers/define-handler.ts";
import { messageSend } from "./handlers/message-send.ts";
import { authenticate } from "./handshake.ts";
import type { Log } from "./log.ts";
import { roomOf, userRoomOf } from "./rooms.ts";
import type { MessageLog } from "./stores/message-log.ts";

export interface ChatDependencies {
  messages: MessageLog;
  log: Log;
  /** The adapter that joins this process to the others (Redis); unset, the in-memory one. */
  adapter?: ServerOptions["adapter"];
}

export interface ChatApp {
  io: ChatServer;
  close(): Promise<void>;
}

/** The Socket.IO server with every chat event wired; start-up and shutdown in one place. */
export function createChatApp(httpServer: HttpServer, { messages, log, adapter }: ChatDependencies): ChatApp {
  const io: ChatServer = new Server(httpServer, adapter === undefined ? {} : { adapter });
  const handlers = {
    "message:send": defineHandler("message:send", messageSend(messages), log),
  };

  io.use(authenticate);
  io.on("connection", (socket: ChatSocket) => {
    log.info(`connected, id: ${socket.id}`);
    void socket.join([roomOf(defaultRoom), userRoomOf(socket.data.name)]);
    socket.on("message:send", handlers["message:send"](socket));
    socket.onAny((event: unknown, ...raw: unknown[]) => {
      if (isClientEventName(event)) return;
      const { ack } = splitAck(raw);
      log.error(`refused unknown event ${JSON.stringify(String(event)).slice(0, 80)} from id: ${socket.id}`);
      ack?.(fail("unknown_event", `unknown event ${String(event).slice(0, 64)}`));
    });
    socket.on("disconnect", () => log.info(`disconnected, id: ${socket.id}`));
  });

  return {
    io,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
