import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { announced } from "../presence/notices.ts";
import { roomOf } from "../app/rooms.ts";
import type { ChatSocket } from "../app/chat-socket.ts";
import type { RoomName } from "@chat/protocol";
import type { Act } from "./define-handler.ts";

/** Takes the connection out of the room and tells the room (if small) when the user's last session left. */
export async function leaveRoom({ presence }: ChatDeps, socket: ChatSocket, room: RoomName): Promise<void> {
  const socketRoom = roomOf(room);
  await socket.leave(socketRoom);
  const user = socket.data.name;
  if (announced(await presence.leave({ scope: socketRoom, user, socketId: socket.id }), "departure")) {
    socket.to(socketRoom).emit("presence:left", { room, user });
  }
}

/** `room:leave`. */
export const roomLeave =
  (deps: ChatDeps): Act<"room:leave"> =>
  async (socket, { room }) => {
    if (!socket.rooms.has(roomOf(room))) return fail("not_found", `you are not in room ${room}`);
    await leaveRoom(deps, socket, room);
    return ok({ room });
  };
