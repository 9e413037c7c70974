import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { announced } from "../presence/notices.ts";
import { roomOf, userRoomOf } from "../app/rooms.ts";
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

/**
 * `room:leave`. Of a public room, takes this connection out. Of a private room, also ends
 * the user's membership, and so takes every session of the user out, on every worker and
 * server: coming back takes a member's invitation. A disconnection is no leave: a member
 * stays a member.
 */
export const roomLeave =
  (deps: ChatDeps): Act<"room:leave"> =>
  async (socket, { room }) => {
    const joined = socket.rooms.has(roomOf(room));
    const user = socket.data.name;
    // Out of the room before anything is awaited, as the request came: a join sent right
    // after this leave then finds the connection outside and joins again.
    const leaving = joined ? leaveRoom(deps, socket, room) : Promise.resolve();
    const [wasMember] = await Promise.all([deps.rooms.leave(room, user), leaving]);
    if (!joined && !wasMember) return fail("not_found", `you are not in room ${room}`);
    if (wasMember) socket.nsp.in(userRoomOf(user)).socketsLeave(roomOf(room));
    return ok({ room });
  };
