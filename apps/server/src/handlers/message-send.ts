import { fail, ok, type MessageSend } from "@chat/protocol";
import type { ChatSocket } from "../chat-socket.ts";
import { roomOf } from "../rooms.ts";
import type { MessageLog } from "../stores/message-log.ts";

/** `message:send`: store the line, then relay it to the room's other members. */
export const messageSend =
  (messages: MessageLog) =>
  async (socket: ChatSocket, { room, text }: MessageSend) => {
    if (!socket.rooms.has(roomOf(room))) {
      return fail("forbidden", `you are not in room ${room}`);
    }
    const from = socket.data.name;
    const { id, sentAt } = await messages.append({ room, from, text });
    socket.to(roomOf(room)).emit("message:new", { id, room, from, text, sentAt });
    return ok({ id, sentAt });
  };
