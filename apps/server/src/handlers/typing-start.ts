import { fail, limits, ok } from "@chat/protocol";
import type { ChatSocket } from "../app/chat-socket.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** When each connection last announced typing, per room. */
const lastNotice = new WeakMap<ChatSocket, Map<string, number>>();

/** `typing:start`: a volatile notice to the room, at most one per `typingIntervalMs`. */
export const typingStart = (): Act<"typing:start"> => async (socket, { room }) => {
  const socketRoom = roomOf(room);
  if (!socket.rooms.has(socketRoom)) return fail("forbidden", `you are not in room ${room}`);
  const now = Date.now();
  const notices = lastNotice.get(socket) ?? new Map<string, number>();
  lastNotice.set(socket, notices);
  if (now - (notices.get(socketRoom) ?? 0) < limits.typingIntervalMs) {
    return fail("rate_limited", `at most one typing notice per ${limits.typingIntervalMs} ms`);
  }
  notices.set(socketRoom, now);
  socket.volatile.to(socketRoom).emit("typing:started", { room, user: socket.data.name });
  return ok({});
};
