import { ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { chatRoomsOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** `room:list`: the rooms this connection is in, and the private rooms the user is a member of. */
export const roomList =
  ({ rooms }: ChatDeps): Act<"room:list"> =>
  async (socket) => {
    const joined = chatRoomsOf(socket.rooms);
    const memberOf = await rooms.roomsOf(socket.data.name);
    return ok({ rooms: [...new Set([...joined, ...memberOf])].sort() });
  };
