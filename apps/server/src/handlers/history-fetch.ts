import { fail, limits, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** `history:fetch`: a page of a room's older messages, for its members. */
export const historyFetch =
  ({ messages }: ChatDeps): Act<"history:fetch"> =>
  async (socket, { room, before, limit }) => {
    if (!socket.rooms.has(roomOf(room))) return fail("forbidden", `join room ${room} to read its history`);
    const page = await messages.readRoom(room, { before, limit: limit ?? limits.pageDefaultLength });
    return ok({ room, ...page });
  };
