import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";
import { overSendLimit } from "./send-limit.ts";

/** `message:send`: store the line and deliver it to the room's other members, in one step. */
export const messageSend =
  ({ messages, limiter }: ChatDeps): Act<"message:send"> =>
  async (socket, { room, text, clientId }) => {
    if (!socket.rooms.has(roomOf(room))) return fail("forbidden", `you are not in room ${room}`);
    const limited = await overSendLimit(limiter, socket);
    if (limited !== undefined) return limited;
    const posted = await messages.postToRoom({ room, from: socket.data.name, text, clientId, senderSocket: socket.id });
    return ok(posted);
  };
