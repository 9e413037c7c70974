import { fail, limits, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { announced } from "../presence/notices.ts";
import { chatRoomsOf, roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/**
 * `room:join`: join (or rejoin, when resuming) and answer with what the client should show:
 * the recent messages, or every message after the one it saw last.
 */
export const roomJoin =
  ({ messages, presence }: ChatDeps): Act<"room:join"> =>
  async (socket, { room, after }) => {
    const socketRoom = roomOf(room);
    const already = socket.rooms.has(socketRoom);
    if (!already && chatRoomsOf(socket.rooms).length >= limits.roomsPerConnectionMax) {
      return fail("rate_limited", `a connection may be in at most ${limits.roomsPerConnectionMax} rooms`);
    }
    try {
      // Join before reading: whatever is stored after the read is then delivered live, so
      // nothing falls between the two (the client drops what it gets twice).
      await socket.join(socketRoom);
      const page =
        after === undefined
          ? await messages.readRoom(room, { before: undefined, limit: limits.joinRecentLength })
          : await messages.readRoom(room, { after, limit: limits.resumeMaxLength });
      if (!already) {
        const user = socket.data.name;
        if (announced(await presence.enter({ scope: socketRoom, user, socketId: socket.id }), "arrival")) {
          socket.to(socketRoom).emit("presence:joined", { room, user });
        }
      }
      return ok({ room, messages: page.messages, more: after === undefined ? false : page.more });
    } catch (error) {
      // A join that failed (Redis away) leaves the connection as it was: its retry is a first join.
      if (!already) Promise.resolve(socket.leave(socketRoom)).catch(() => undefined);
      throw error;
    }
  };
